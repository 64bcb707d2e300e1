/**
 * What a correct AG-UI event stream looks like, as pure functions over the decoded events: each
 * event valid by `@ag-ui/core`'s schemas; RUN_STARTED first; exactly one RUN_FINISHED or
 * RUN_ERROR, last; text messages and tool calls opened, fed and closed by id; tool results after
 * their call ended. Each returns the violations it found (empty when the stream is correct).
 */
import { EventSchemas } from '@ag-ui/core/schemas';
import { applyPatch } from './json-patch.js';

export interface AgUiEvent {
  type: string;
  [field: string]: unknown;
}

export interface Violation {
  index: number;
  message: string;
}

const TERMINAL = new Set(['RUN_FINISHED', 'RUN_ERROR']);

export function schemaViolations(events: readonly AgUiEvent[]): Violation[] {
  const violations: Violation[] = [];
  events.forEach((event, index) => {
    const result = EventSchemas.safeParse(event);
    if (!result.success) {
      const issues = result.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
        .join('; ');
      violations.push({
        index,
        message: `${event.type ?? '(no type)'} does not match @ag-ui/core: ${issues}`,
      });
    }
  });
  return violations;
}

export function startViolations(events: readonly AgUiEvent[]): Violation[] {
  if (!events.length) return [{ index: 0, message: 'the stream has no event' }];
  if (events[0]!.type === 'RUN_STARTED' || events[0]!.type === 'RUN_ERROR') return [];
  return [{ index: 0, message: `the first event is ${events[0]!.type}, not RUN_STARTED` }];
}

export function terminalViolations(events: readonly AgUiEvent[]): Violation[] {
  const terminals = events
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => TERMINAL.has(event.type));
  if (!terminals.length)
    return [{ index: events.length, message: 'the stream ended without RUN_FINISHED or RUN_ERROR' }];
  const violations: Violation[] = [];
  for (const extra of terminals.slice(1))
    violations.push({ index: extra.index, message: `a second terminal event ${extra.event.type}` });
  return violations;
}

export function afterEndViolations(events: readonly AgUiEvent[]): Violation[] {
  const end = events.findIndex((event) => TERMINAL.has(event.type));
  if (end === -1) return [];
  return events.slice(end + 1).map((event, offset) => ({
    index: end + 1 + offset,
    message: `${event.type} after ${events[end]!.type}`,
  }));
}

/** Open/feed/close pairing by id, for one family of events. */
function pairingViolations(
  events: readonly AgUiEvent[],
  family: {
    start: string;
    parts: readonly string[];
    end: string;
    idField: string;
    what: string;
    /** A name that may start again once it ended (steps), unlike an id (messages, calls). */
    reusable?: boolean;
  },
): Violation[] {
  const open = new Set<string>();
  const closed = new Set<string>();
  const violations: Violation[] = [];
  events.forEach((event, index) => {
    const id = String(event[family.idField]);
    if (event.type === family.start) {
      if (open.has(id) || (!family.reusable && closed.has(id)))
        violations.push({ index, message: `${family.what} ${id} started twice` });
      open.add(id);
    } else if (family.parts.includes(event.type)) {
      if (!open.has(id))
        violations.push({ index, message: `${event.type} for ${family.what} ${id}, which is not open` });
    } else if (event.type === family.end) {
      if (!open.has(id))
        violations.push({ index, message: `${family.end} for ${family.what} ${id}, which is not open` });
      open.delete(id);
      closed.add(id);
    } else if (TERMINAL.has(event.type) && event.type === 'RUN_FINISHED') {
      for (const dangling of open)
        violations.push({ index, message: `RUN_FINISHED while ${family.what} ${dangling} is still open` });
    }
  });
  const ended = events.some((event) => TERMINAL.has(event.type));
  if (!ended)
    for (const dangling of open)
      violations.push({ index: events.length, message: `${family.what} ${dangling} never ended` });
  return violations;
}

export function textMessageViolations(events: readonly AgUiEvent[]): Violation[] {
  return pairingViolations(events, {
    start: 'TEXT_MESSAGE_START',
    parts: ['TEXT_MESSAGE_CONTENT'],
    end: 'TEXT_MESSAGE_END',
    idField: 'messageId',
    what: 'text message',
  });
}

export function toolCallViolations(events: readonly AgUiEvent[]): Violation[] {
  const violations = pairingViolations(events, {
    start: 'TOOL_CALL_START',
    parts: ['TOOL_CALL_ARGS'],
    end: 'TOOL_CALL_END',
    idField: 'toolCallId',
    what: 'tool call',
  });
  const ended = new Set<string>();
  events.forEach((event, index) => {
    if (event.type === 'TOOL_CALL_END') ended.add(String(event.toolCallId));
    if (event.type === 'TOOL_CALL_RESULT' && !ended.has(String(event.toolCallId)))
      violations.push({
        index,
        message: `TOOL_CALL_RESULT for ${String(event.toolCallId)} before its TOOL_CALL_END`,
      });
  });
  return violations;
}

/** Steps (STEP_STARTED … STEP_FINISHED) by name: none finished unstarted, none left open. */
export function stepViolations(events: readonly AgUiEvent[]): Violation[] {
  return pairingViolations(events, {
    start: 'STEP_STARTED',
    parts: [],
    end: 'STEP_FINISHED',
    idField: 'stepName',
    what: 'step',
    reusable: true,
  });
}

/** Reasoning blocks (REASONING_START … END) and their messages open, stream and close by id. */
export function reasoningViolations(events: readonly AgUiEvent[]): Violation[] {
  return [
    ...pairingViolations(events, {
      start: 'REASONING_START',
      parts: [],
      end: 'REASONING_END',
      idField: 'messageId',
      what: 'reasoning block',
    }),
    ...pairingViolations(events, {
      start: 'REASONING_MESSAGE_START',
      parts: ['REASONING_MESSAGE_CONTENT'],
      end: 'REASONING_MESSAGE_END',
      idField: 'messageId',
      what: 'reasoning message',
    }),
  ];
}

/** The TOOL_CALL_ARGS deltas of each tool call, joined, are one JSON document (or nothing). */
export function toolArgsViolations(events: readonly AgUiEvent[]): Violation[] {
  const args = new Map<string, { text: string; index: number }>();
  events.forEach((event, index) => {
    if (event.type === 'TOOL_CALL_START') args.set(String(event.toolCallId), { text: '', index });
    if (event.type === 'TOOL_CALL_ARGS') {
      const call = args.get(String(event.toolCallId));
      if (call) call.text += String(event.delta ?? '');
    }
  });
  const violations: Violation[] = [];
  for (const [toolCallId, { text, index }] of args) {
    if (text === '') continue;
    try {
      JSON.parse(text);
    } catch {
      violations.push({
        index,
        message: `the arguments streamed for tool call ${toolCallId} are not one JSON document: ${text.slice(0, 120)}`,
      });
    }
  }
  return violations;
}

/** Each STATE_DELTA is an RFC 6902 patch that applies to the state so far (input, then snapshots). */
export function stateViolations(events: readonly AgUiEvent[], initial: unknown = {}): Violation[] {
  let state = initial;
  const violations: Violation[] = [];
  events.forEach((event, index) => {
    if (event.type === 'STATE_SNAPSHOT') state = event.snapshot;
    if (event.type !== 'STATE_DELTA') return;
    const result = applyPatch(state, event.delta);
    if (result.ok) state = result.document;
    else
      violations.push({ index, message: `STATE_DELTA does not apply to the state so far: ${result.reason}` });
  });
  return violations;
}

/** Ids of the messages a stream creates (text, reasoning, tool results). */
export function messageIdsOf(events: readonly AgUiEvent[]): string[] {
  const starts = new Set(['TEXT_MESSAGE_START', 'REASONING_MESSAGE_START', 'TOOL_CALL_RESULT']);
  return events.filter((event) => starts.has(event.type)).map((event) => String(event.messageId));
}
