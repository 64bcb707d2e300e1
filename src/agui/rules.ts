/** What the `ag-ui` profile holds an AG-UI server to (see docs/ag-ui.md). */
export const AG_UI_RULES = {
  'AGUI-T': 'POST RunAgentInput answers 200 text/event-stream; bad input is a 4xx, never a stream',
  'AGUI-1': 'Every event is valid by the @ag-ui/core event schemas',
  'AGUI-2': 'RUN_STARTED comes first and carries the threadId and runId of the input',
  'AGUI-3': 'Exactly one RUN_FINISHED or RUN_ERROR ends the stream; nothing follows it',
  'AGUI-4':
    'TEXT_MESSAGE_START / CONTENT / END pair up by messageId; a message id names one message, never reused by a later run',
  'AGUI-5':
    'TOOL_CALL_START / ARGS / END pair up by toolCallId, each call’s ARGS join into its JSON arguments; TOOL_CALL_RESULT follows the END',
  'AGUI-6':
    'STATE_DELTA is an RFC 6902 JSON Patch that applies to the state so far (input state, then snapshots)',
  'AGUI-7':
    'REASONING_START / END and REASONING_MESSAGE_START / CONTENT / END pair up by messageId; none is left open',
  'AGUI-8': 'STEP_STARTED / STEP_FINISHED pair up by stepName; no step is finished unstarted or left open',
} as const;

export type AgUiRuleId = keyof typeof AG_UI_RULES;
