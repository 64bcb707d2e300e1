/**
 * AG-UI checks written against real AG-UI server bugs (docs/faults.md): parallel tool calls whose
 * argument chunks land under the wrong call, a run that streams on after RUN_ERROR, STATE_DELTA
 * patches that do not apply, message ids a later run reuses, reasoning left open, and the inputs
 * real clients send that a server's own client never does: only the required fields, a state
 * that is not an object.
 */
import {
  type AgUiEvent,
  type AgUiResponse,
  afterEndViolations,
  messageIdsOf,
  postRun,
  reasoningViolations,
  runInput,
  stateViolations,
  terminalViolations,
  textMessageViolations,
  toolArgsViolations,
  toolCallViolations,
  type Violation,
} from '../../agui/index.js';
import { type Check, type CheckContext, CheckFailure, Unsupported } from '../check.js';
import { expectStreamed } from './seen.js';
import { transportOf } from './transport-of.js';

/** Posts a RunAgentInput (any object: some checks send only the fields AG-UI requires) and reads the stream. */
async function streamOf(context: CheckContext, input: object): Promise<AgUiResponse> {
  if (!context.target.agUi) throw new Unsupported('no AG-UI endpoint: run with --profile ag-ui');
  const { url, withToken } = context.target.agUi;
  const token = withToken ? await context.tokens.valid(context.newUser()) : undefined;
  const response = await postRun(url, input, {
    signal: context.signal,
    ...transportOf(context),
    ...(token ? { token } : {}),
  });
  if (response.status !== 200 || !response.contentType.startsWith('text/event-stream'))
    throw new CheckFailure(`POST RunAgentInput answered ${response.status}, not an event stream`, {
      body: response.body,
    });
  return response;
}

function expectNone(violations: Violation[], what: string, events: AgUiEvent[]): void {
  if (!violations.length) return;
  const first = violations[0]!;
  throw new CheckFailure(
    `${what}: ${first.message}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ''}`,
    {
      violations: violations.slice(0, 10),
      events_around_first: events.slice(Math.max(0, first.index - 3), first.index + 2),
      event_types: events.map((event) => event.type),
    },
  );
}

function input(
  context: CheckContext,
  scenario: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return runInput('Compare the weather in Lisbon and Porto', {
    forwardedProps: { scenario: { delay_ms: context.eventDelayMs, ...scenario } },
    ...extra,
  });
}

export const agUiHardeningChecks: readonly Check[] = [
  {
    id: 'AGUI-5/parallel-tool-args-assemble',
    rules: ['AGUI-5'],
    title: 'With several tool calls in one run, each call’s TOOL_CALL_ARGS join into valid JSON arguments',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 3 }));
      expectNone(toolCallViolations(response.events), 'tool call pairing', response.events);
      expectNone(toolArgsViolations(response.events), 'tool call arguments', response.events);
      expectStreamed(response.events, ['TOOL_CALL_START'], 'tool calls', 2);
      expectStreamed(response.events, ['TOOL_CALL_ARGS'], 'tool call arguments');
    },
  },
  {
    id: 'AGUI-3/failing-tool-ends-cleanly',
    rules: ['AGUI-3', 'AGUI-5'],
    title: 'A run whose tool call fails still ends with exactly one terminal event and nothing after it',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 2, fail_tool: 1 }));
      expectNone(terminalViolations(response.events), 'terminal events', response.events);
      expectNone(afterEndViolations(response.events), 'event after the end', response.events);
      expectNone(textMessageViolations(response.events), 'text message pairing', response.events);
      expectNone(toolCallViolations(response.events), 'tool call pairing', response.events);
      expectStreamed(response.events, ['TOOL_CALL_RESULT'], 'tool call result');
    },
  },
  {
    id: 'AGUI-6/state-deltas-apply',
    rules: ['AGUI-6'],
    title: 'Every STATE_DELTA is a JSON Patch that applies to the state so far',
    requires: [],
    async run(context) {
      const state = { city: 'Lisbon' };
      const response = await streamOf(context, input(context, { tools: 2 }, { state }));
      expectNone(stateViolations(response.events, state), 'state delta', response.events);
      expectStreamed(response.events, ['STATE_DELTA'], 'state delta');
    },
  },
  {
    id: 'AGUI-6/state-deltas-apply-any-input-state',
    rules: ['AGUI-6'],
    title:
      'Every STATE_DELTA applies to the state so far whatever state the client sent: an array, a string, a number, null',
    requires: [],
    async run(context) {
      // null is how a client says "no state" (AG-UI reads it as absent): the state so far is then empty.
      for (const state of [['Lisbon'], 'Lisbon', 7, null]) {
        const response = await streamOf(context, input(context, { tools: 1 }, { state }));
        expectNone(
          stateViolations(response.events, state ?? {}),
          `state delta (input state ${JSON.stringify(state)})`,
          response.events,
        );
        expectStreamed(response.events, ['STATE_DELTA'], 'state delta');
      }
    },
  },
  {
    id: 'AGUI-T/minimal-input-accepted',
    rules: ['AGUI-T'],
    title:
      'A RunAgentInput with only the fields AG-UI requires (threadId, runId, messages) answers an event stream that ends the run',
    requires: [],
    async run(context) {
      const { threadId, runId, messages } = runInput('What is the weather in Lisbon?');
      const response = await streamOf(context, { threadId, runId, messages });
      expectNone(terminalViolations(response.events), 'terminal events', response.events);
    },
  },
  {
    id: 'AGUI-3/successful-run-finishes',
    rules: ['AGUI-3'],
    title: 'A run in which nothing fails ends with RUN_FINISHED, not RUN_ERROR',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 2 }));
      expectNone(terminalViolations(response.events), 'terminal events', response.events);
      const end = response.events.find(
        (event) => event.type === 'RUN_ERROR' || event.type === 'RUN_FINISHED',
      );
      if (end?.type === 'RUN_ERROR')
        throw new CheckFailure('a run with no failing tool ended with RUN_ERROR', {
          run_error: end,
          event_types: response.events.map((event) => event.type),
        });
    },
  },
  {
    id: 'AGUI-4/message-ids-unique-across-runs',
    rules: ['AGUI-4'],
    title: 'Two runs of one thread name their messages with different ids',
    requires: [],
    async run(context) {
      const first = input(context, { tools: 1 });
      const second = { ...input(context, { tools: 1 }), threadId: first.threadId };
      const ids: string[][] = [];
      for (const runInputOf of [first, second]) {
        const response = await streamOf(context, runInputOf);
        expectStreamed(response.events, ['TEXT_MESSAGE_START', 'TOOL_CALL_RESULT'], 'message');
        ids.push(messageIdsOf(response.events));
      }
      const reused = ids[1]!.filter((id) => ids[0]!.includes(id));
      if (reused.length)
        throw new CheckFailure(`the second run of thread ${first.threadId} reused message id ${reused[0]}`, {
          first_run: ids[0],
          second_run: ids[1],
        });
    },
  },
  {
    id: 'AGUI-7/reasoning-closed',
    rules: ['AGUI-7'],
    title: 'Reasoning blocks and reasoning messages are closed by id before the run ends',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 1, thinking: true }));
      expectNone(reasoningViolations(response.events), 'reasoning', response.events);
      expectStreamed(response.events, ['REASONING_START', 'REASONING_MESSAGE_START'], 'reasoning');
    },
  },
];
