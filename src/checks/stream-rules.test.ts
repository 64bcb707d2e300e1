import { describe, expect, it } from 'vitest';
import {
  runFramingViolations,
  schemaViolations,
  seqViolations,
  timestampViolations,
  toolPairingViolations,
} from './stream-rules.js';

let clock = Date.parse('2026-11-24T10:00:00.000Z');
function event(type: string, seq: number, data: Record<string, unknown> = {}, run = 'r1', thread = 't1') {
  clock += 5;
  return { type, thread_id: thread, run_id: run, seq, ts: new Date(clock).toISOString(), data };
}

function goodRun(run = 'r1', firstSeq = 1) {
  let seq = firstSeq;
  return [
    event('agent_started', seq++, { input_id: 'm1' }, run),
    event('tool_executing', seq++, { tool_call_id: 'c1', tool: 'lookup', args: {} }, run),
    event('tool_completed', seq++, { tool_call_id: 'c1', ok: true, result: 1 }, run),
    event('agent_message', seq++, { delta: 'hi' }, run),
    event('agent_completed', seq++, { status: 'ok', text: 'hi' }, run),
  ];
}

describe('stream rules on a correct stream', () => {
  it('finds nothing wrong with two consecutive runs of one thread', () => {
    const events = [...goodRun('r1', 1), ...goodRun('r2', 6)];
    expect(schemaViolations(events)).toEqual([]);
    expect(seqViolations(events)).toEqual([]);
    expect(runFramingViolations(events)).toEqual([]);
    expect(toolPairingViolations(events)).toEqual([]);
    expect(timestampViolations(events)).toEqual([]);
  });
});

describe('seqViolations', () => {
  it('reports a gap', () => {
    const events = goodRun();
    events[3]!.seq = 5;
    events[4]!.seq = 6;
    expect(seqViolations(events)).toEqual(['thread t1: expected seq 4, got 5 (gap) on agent_message']);
  });
  it('reports a duplicate', () => {
    const events = goodRun();
    events[2]!.seq = 2;
    expect(seqViolations(events)[0]).toContain('expected seq 3, got 2 (duplicate or out of order)');
  });
  it('reports a stream that does not start at 1', () => {
    expect(seqViolations(goodRun('r1', 2))[0]).toContain('expected seq 1, got 2');
  });
  it('tracks threads independently', () => {
    const a = goodRun('r1', 1);
    const b = goodRun('r2', 1).map((e) => ({ ...e, thread_id: 't2' }));
    expect(seqViolations([a[0]!, b[0]!, a[1]!, b[1]!])).toEqual([]);
  });
});

describe('runFramingViolations', () => {
  it('reports a run that does not start with agent_started', () => {
    expect(runFramingViolations(goodRun().slice(1))[0]).toContain('first event is tool_executing');
  });
  it('reports a duplicated agent_completed', () => {
    const events = goodRun();
    events.push(event('agent_completed', 6, { status: 'ok' }));
    const violations = runFramingViolations(events);
    expect(violations).toContain('run r1: 2 agent_completed events, expected exactly 1');
  });
  it('reports an event after agent_completed', () => {
    const events = goodRun();
    events.push(event('agent_message', 6, { delta: 'late' }));
    expect(runFramingViolations(events)).toEqual(['run r1: agent_message (seq 6) follows agent_completed']);
  });
  it('reports a run that never completes', () => {
    expect(runFramingViolations(goodRun().slice(0, 4))).toEqual([
      'run r1: 0 agent_completed events, expected exactly 1',
    ]);
  });
});

describe('toolPairingViolations', () => {
  it('reports a tool call that never completes', () => {
    const events = goodRun().filter((e) => e.type !== 'tool_completed');
    expect(toolPairingViolations(events)).toEqual(['run r1: tool_executing c1 (seq 2) never completed']);
  });
  it('reports a completion without execution', () => {
    const events = goodRun().filter((e) => e.type !== 'tool_executing');
    expect(toolPairingViolations(events)[0]).toContain('tool_completed for c1 without tool_executing');
  });
  it('reports a completion in another run', () => {
    const events = goodRun();
    events[2]!.run_id = 'r2';
    const violations = toolPairingViolations(events);
    expect(violations).toContain('run r2: tool_completed for c1 without tool_executing');
    expect(violations).toContain('run r1: tool_executing c1 (seq 2) never completed');
  });
});

describe('timestampViolations', () => {
  it('reports a timestamp without milliseconds', () => {
    const events = goodRun();
    events[1]!.ts = '2026-11-24T10:00:00Z';
    expect(timestampViolations(events)[0]).toContain('is not RFC 3339 UTC with milliseconds');
  });
  it('reports a timestamp that goes backwards', () => {
    const events = goodRun();
    events[3]!.ts = '2020-01-01T00:00:00.000Z';
    expect(timestampViolations(events)[0]).toContain('ts of seq 4 is earlier than that of seq 3');
  });
});

describe('schemaViolations', () => {
  it('reports a tool_completed without ok', () => {
    const events = goodRun();
    events[2]!.data = { tool_call_id: 'c1' };
    expect(schemaViolations(events)[0]).toMatch(/^tool_completed event is malformed: data.ok/);
  });
});
