import { describe, expect, it } from 'vitest';
import { applyPatch } from './json-patch.js';
import { reasoningViolations, stateViolations, toolArgsViolations } from './stream-rules.js';

describe('applyPatch (RFC 6902, strict)', () => {
  it('adds, replaces, removes, moves, copies and tests', () => {
    const result = applyPatch({ a: 1, list: [1, 2] }, [
      { op: 'add', path: '/b', value: { c: 2 } },
      { op: 'replace', path: '/a', value: 3 },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'add', path: '/list/0', value: 0 },
      { op: 'remove', path: '/list/1' },
      { op: 'copy', from: '/b/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e~1f' },
      { op: 'test', path: '/e~1f', value: 2 },
    ]);
    expect(result).toEqual({ ok: true, document: { a: 3, b: { c: 2 }, list: [0, 2, 3], 'e/f': 2 } });
  });

  it('refuses replace and remove of a missing member, a path without /, a failed test', () => {
    expect(applyPatch({}, [{ op: 'replace', path: '/lookups', value: 1 }]).ok).toBe(false);
    expect(applyPatch({}, [{ op: 'remove', path: '/x' }]).ok).toBe(false);
    expect(applyPatch({}, [{ op: 'add', path: 'x', value: 1 }]).ok).toBe(false);
    expect(applyPatch({ x: 1 }, [{ op: 'test', path: '/x', value: 2 }]).ok).toBe(false);
    expect(applyPatch({}, [{ op: 'add', path: '/a/b', value: 1 }]).ok).toBe(false);
    expect(applyPatch({}, { op: 'add' }).ok).toBe(false);
  });

  it('leaves the input document untouched', () => {
    const state = { a: 1 };
    applyPatch(state, [{ op: 'replace', path: '/a', value: 2 }]);
    expect(state).toEqual({ a: 1 });
  });
});

describe('AG-UI hardening rules', () => {
  it('joins each tool call’s ARGS and reports a call whose arguments are not JSON', () => {
    const interleaved = [
      { type: 'TOOL_CALL_START', toolCallId: 'a', toolCallName: 't' },
      { type: 'TOOL_CALL_START', toolCallId: 'b', toolCallName: 't' },
      { type: 'TOOL_CALL_ARGS', toolCallId: 'a', delta: '{"q":' },
      { type: 'TOOL_CALL_ARGS', toolCallId: 'b', delta: '{"q":' },
      { type: 'TOOL_CALL_ARGS', toolCallId: 'a', delta: '1}' },
      { type: 'TOOL_CALL_ARGS', toolCallId: 'b', delta: '2}' },
    ];
    expect(toolArgsViolations(interleaved)).toEqual([]);
    const misrouted = interleaved.map((event) =>
      event.type === 'TOOL_CALL_ARGS' ? { ...event, toolCallId: 'b' } : event,
    );
    expect(toolArgsViolations(misrouted)).toHaveLength(1);
  });

  it('applies deltas to the snapshot and reports one that does not apply', () => {
    const events = [
      { type: 'STATE_SNAPSHOT', snapshot: { city: 'Lisbon' } },
      { type: 'STATE_DELTA', delta: [{ op: 'add', path: '/n', value: 1 }] },
      { type: 'STATE_DELTA', delta: [{ op: 'replace', path: '/n', value: 2 }] },
    ];
    expect(stateViolations(events)).toEqual([]);
    expect(
      stateViolations([{ type: 'STATE_DELTA', delta: [{ op: 'replace', path: '/n', value: 1 }] }]),
    ).toHaveLength(1);
  });

  it('reports a reasoning block left open at RUN_FINISHED', () => {
    const open = [
      { type: 'REASONING_START', messageId: 'r' },
      { type: 'REASONING_MESSAGE_START', messageId: 'r', role: 'reasoning' },
      { type: 'REASONING_MESSAGE_CONTENT', messageId: 'r', delta: 'x' },
      { type: 'RUN_FINISHED' },
    ];
    expect(reasoningViolations(open)).toHaveLength(2);
    const closed = [
      ...open.slice(0, 3),
      { type: 'REASONING_MESSAGE_END', messageId: 'r' },
      { type: 'REASONING_END', messageId: 'r' },
      { type: 'RUN_FINISHED' },
    ];
    expect(reasoningViolations(closed)).toEqual([]);
  });
});
