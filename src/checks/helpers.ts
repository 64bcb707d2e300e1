/** Small building blocks shared by the check files. */
import type { Scenario } from '../protocol/index.js';
import type { CheckContext } from './check.js';

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
