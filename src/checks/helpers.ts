/** Small building blocks shared by the check files. */
import type { AepConnection } from '../client/index.js';
import { type AgentEvent, CANCEL_DEADLINE_MS, type Scenario } from '../protocol/index.js';
import type { CheckContext } from './check.js';
import { expectEqual, fail } from './expect.js';

/** A scenario with the profile's event delay, so checks are fast locally and gentle on staging. */
export function scenario(context: CheckContext, overrides: Scenario = {}): Scenario {
  return { tools: 1, stream_chunks: 2, thinking: false, delay_ms: context.eventDelayMs, ...overrides };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function countOfType(events: readonly { type: string }[], type: string): number {
  return events.filter((event) => event.type === type).length;
}

/** agent_completed.data.status of the run's last event, if any. */
export function statusOf(events: readonly { data?: unknown }[]): unknown {
  return (events.at(-1)?.data as { status?: unknown } | undefined)?.status;
}

/**
 * Cancels a running run: the cancel must be acked and the run must end soon after.
 * Returns the run's events and how long after the cancel it ended, for the caller's judgement.
 */
export async function cancelRun(
  connection: AepConnection,
  runId: string,
): Promise<{ events: AgentEvent[]; elapsedMs: number }> {
  const sentAt = Date.now();
  const answer = await connection.request({ type: 'cancel', run_id: runId });
  expectEqual(answer.type, 'ack', 'answer to cancel of a running run');
  const events = await connection
    .waitForRunEnd(runId, CANCEL_DEADLINE_MS + 500)
    .catch(() =>
      fail(`the run did not end within ${CANCEL_DEADLINE_MS} ms of cancel`, {}, { frames: [answer] }),
    );
  return { events, elapsedMs: Date.now() - sentAt };
}
