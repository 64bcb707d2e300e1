import { describe, expect, it } from 'vitest';
import {
  type AgUiEvent,
  afterEndViolations,
  schemaViolations,
  startViolations,
  terminalViolations,
  textMessageViolations,
  toolCallViolations,
} from './stream-rules.js';

const good: AgUiEvent[] = [
  { type: 'RUN_STARTED', threadId: 't', runId: 'r' },
  { type: 'TOOL_CALL_START', toolCallId: 'c1', toolCallName: 'lookup' },
  { type: 'TOOL_CALL_ARGS', toolCallId: 'c1', delta: '{}' },
  { type: 'TOOL_CALL_END', toolCallId: 'c1' },
  { type: 'TOOL_CALL_RESULT', messageId: 'tm', toolCallId: 'c1', content: 'ok' },
  { type: 'TEXT_MESSAGE_START', messageId: 'm', role: 'assistant' },
  { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm', delta: 'hi' },
  { type: 'TEXT_MESSAGE_END', messageId: 'm' },
  { type: 'RUN_FINISHED', threadId: 't', runId: 'r' },
];

const all = (events: AgUiEvent[]) => [
  ...schemaViolations(events),
  ...startViolations(events),
  ...terminalViolations(events),
  ...afterEndViolations(events),
  ...textMessageViolations(events),
  ...toolCallViolations(events),
];

describe('AG-UI stream rules', () => {
  it('accept a correct stream', () => {
    expect(all(good)).toEqual([]);
  });

  it('schema: a TOOL_CALL_START without a name is invalid', () => {
    expect(schemaViolations([{ type: 'TOOL_CALL_START', toolCallId: 'c' }])[0]?.message).toContain(
      'toolCallName',
    );
  });

  it('start: the first event must be RUN_STARTED', () => {
    expect(startViolations(good.slice(1))).toHaveLength(1);
  });

  it('terminal: none, or two, are violations; after the end nothing may come', () => {
    expect(terminalViolations(good.slice(0, -1))[0]?.message).toContain('without RUN_FINISHED');
    const twice = [...good, { type: 'RUN_ERROR', message: 'x' }];
    expect(terminalViolations(twice)[0]?.message).toContain('second terminal');
    expect(afterEndViolations(twice)[0]?.message).toBe('RUN_ERROR after RUN_FINISHED');
  });

  it('text messages: content before start, and a message left open at RUN_FINISHED', () => {
    const swapped = [good[0]!, good[6]!, good[5]!, good[7]!, good[8]!];
    expect(textMessageViolations(swapped)[0]?.message).toContain('not open');
    const open = [good[0]!, good[5]!, good[6]!, good[8]!];
    expect(textMessageViolations(open)[0]?.message).toContain('still open');
  });

  it('tool calls: args after end, and a result before the end', () => {
    const late = [good[0]!, good[1]!, good[3]!, good[2]!, good[8]!];
    expect(toolCallViolations(late)[0]?.message).toContain(
      'TOOL_CALL_ARGS for tool call c1, which is not open',
    );
    const early = [good[0]!, good[1]!, good[4]!, good[3]!, good[8]!];
    expect(toolCallViolations(early).map((v) => v.message)).toContain(
      'TOOL_CALL_RESULT for c1 before its TOOL_CALL_END',
    );
  });
});
