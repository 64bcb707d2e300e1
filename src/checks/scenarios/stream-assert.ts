/** Stream assertions that point at the offending event, so the evidence shows just that part. */
import type { AepConnection } from '../../client/index.js';
import type { AgentEvent } from '../../protocol/index.js';
import { expectEqual, fail } from '../expect.js';
import {
  runFramingViolations,
  seqViolations,
  timestampViolations,
  toolPairingViolations,
} from '../stream-rules.js';

/** The first event whose seq breaks the 1, 2, 3, … order of its thread (R-5.1). */
export function firstSeqBreak(events: readonly AgentEvent[], firstSeq = 1): AgentEvent | undefined {
  const expected = new Map<string, number>();
  for (const event of events) {
    const want = expected.get(event.thread_id) ?? firstSeq;
    if (event.seq !== want) return event;
    expected.set(event.thread_id, want + 1);
  }
  return undefined;
}

/** Seq, run framing, tool pairing and timestamps of `events` all hold, or the check fails. */
export function expectCleanStream(events: readonly AgentEvent[], what: string): void {
  for (const [rule, find] of [
    ['seq', (offending: AgentEvent[]) => seqViolations(events, 1, offending)],
    ['run framing', (offending: AgentEvent[]) => runFramingViolations(events, offending)],
    ['tool pairing', (offending: AgentEvent[]) => toolPairingViolations(events, offending)],
    ['ts', (offending: AgentEvent[]) => timestampViolations(events, offending)],
  ] as const) {
    const offending: AgentEvent[] = [];
    const violations = find(offending);
    if (violations.length === 0) continue;
    fail(
      `${what}: ${rule === 'seq' ? '' : `${rule}: `}${violations[0]}`,
      { violations: violations.slice(0, 10) },
      { frames: offending.slice(0, 8) },
    );
  }
}

/** A compact signature of an event for comparing what two connections saw. */
export function signature(event: AgentEvent): string {
  return `${event.seq}:${event.run_id}:${event.type}:${JSON.stringify(event.data)}`;
}

/** A delay that makes runs last long enough to act on mid-run, yet stays quick locally. */
export function midRunDelayMs(eventDelayMs: number): number {
  return Math.max(eventDelayMs, 25);
}

/** Resumes `threadId` after `afterSeq` on a new connection and waits for the run's end (unless seen). */
export async function resumeUntilEnd(
  connection: AepConnection,
  threadId: string,
  afterSeq: number,
  runId: string,
  endedBefore = false,
): Promise<AgentEvent[]> {
  const answer = await connection.request({ type: 'resume', thread_id: threadId, after_seq: afterSeq });
  if (answer.type !== 'ack')
    fail(`resume after reconnecting was answered with ${String(answer.type)}`, {}, { frames: [answer] });
  if (endedBefore) {
    expectEqual(answer.replayed, 0, 'events replayed after the end of a run already seen');
    return [];
  }
  return connection.waitForRunEnd(runId, 10_000);
}

/** Events seen before the break plus those after resume form one gap-free, duplicate-free run. */
export function expectSeamless(
  before: readonly AgentEvent[],
  after: readonly AgentEvent[],
  what: string,
): void {
  const all = [...before, ...after];
  const seen = new Map<number, AgentEvent>();
  for (const event of all) {
    const earlier = seen.get(event.seq);
    if (earlier) fail(`${what}: seq ${event.seq} was delivered twice`, {}, { frames: [earlier, event] });
    seen.set(event.seq, event);
  }
  expectCleanStream(all, what);
}
