/**
 * When a monitor run alerts, judged against the runs recorded before it (pure functions, no I/O):
 *
 * - `pass_to_fail`: a check that passed in the previous run failed in this one;
 * - `executed_drop`: fewer checks were executed (passed or failed) than in the previous run;
 * - `duration_regression`: a check that passed took more than `factor` × the median of its
 *   passing durations in the previous `window` runs, and at least `minMs` more than that median
 *   (so a 3 ms check taking 9 ms does not alert). The median needs at least min(3, window)
 *   earlier passing runs; only passing durations count, so a timeout shows as a failure, not as
 *   slowness.
 */
import type { CheckResult, Summary, VerdictWord } from '../runner/index.js';

/** One stored run as the rules see it. */
export interface RunRecord {
  /** The run's number in the history (1, 2, …). */
  id: number;
  startedAt: string;
  durationMs: number;
  verdict: VerdictWord;
  summary: Summary;
  checks: readonly CheckRecord[];
}

export interface CheckRecord {
  id: string;
  status: CheckResult['status'];
  durationMs: number;
  reason?: string;
}

export interface DurationThresholds {
  /** Alert above this many times the median (2 = twice as slow). */
  factor: number;
  /** …and only when at least this many ms slower than the median. */
  minMs: number;
  /** The median is over this many previous runs. */
  window: number;
}

export const DEFAULT_DURATION_THRESHOLDS: DurationThresholds = { factor: 2, minMs: 250, window: 5 };

export type Alert =
  | {
      kind: 'pass_to_fail';
      check: string;
      previous_run: number;
      reason: string;
      message: string;
    }
  | {
      kind: 'executed_drop';
      previous_run: number;
      previous_executed: number;
      executed: number;
      message: string;
    }
  | {
      kind: 'duration_regression';
      check: string;
      duration_ms: number;
      median_ms: number;
      runs: number;
      factor: number;
      message: string;
    };

export type AlertKind = Alert['kind'];

/** The alerts `current` raises against `earlier` (oldest first, newest last). */
export function alertsFor(
  current: Omit<RunRecord, 'id'> & { id?: number },
  earlier: readonly RunRecord[],
  thresholds: DurationThresholds = DEFAULT_DURATION_THRESHOLDS,
): Alert[] {
  const previous = earlier.at(-1);
  if (!previous) return [];
  return [
    ...passToFail(current, previous),
    ...executedDrop(current, previous),
    ...durationRegressions(current, earlier.slice(-thresholds.window), thresholds),
  ];
}

function passToFail(current: Pick<RunRecord, 'checks'>, previous: RunRecord): Alert[] {
  const before = new Map(previous.checks.map((check) => [check.id, check.status]));
  return current.checks
    .filter((check) => check.status === 'failed' && before.get(check.id) === 'passed')
    .map((check) => {
      const reason = check.reason ?? 'no reason given';
      return {
        kind: 'pass_to_fail' as const,
        check: check.id,
        previous_run: previous.id,
        reason,
        message: `${check.id} passed in run ${previous.id} and fails now: ${reason}`,
      };
    });
}

function executedDrop(current: Pick<RunRecord, 'summary'>, previous: RunRecord): Alert[] {
  const executed = current.summary.executed;
  const before = previous.summary.executed;
  if (executed >= before) return [];
  return [
    {
      kind: 'executed_drop',
      previous_run: previous.id,
      previous_executed: before,
      executed,
      message: `${executed} checks executed, ${before} in run ${previous.id}: ${before - executed} fewer`,
    },
  ];
}

function durationRegressions(
  current: Pick<RunRecord, 'checks'>,
  window: readonly RunRecord[],
  thresholds: DurationThresholds,
): Alert[] {
  const needed = Math.min(3, thresholds.window);
  const alerts: Alert[] = [];
  for (const check of current.checks) {
    if (check.status !== 'passed') continue;
    const durations = window.flatMap((run) =>
      run.checks.filter((c) => c.id === check.id && c.status === 'passed').map((c) => c.durationMs),
    );
    if (durations.length < needed) continue;
    const median = medianOf(durations);
    if (check.durationMs <= median * thresholds.factor || check.durationMs - median < thresholds.minMs)
      continue;
    alerts.push({
      kind: 'duration_regression',
      check: check.id,
      duration_ms: check.durationMs,
      median_ms: median,
      runs: durations.length,
      factor: thresholds.factor,
      message: `${check.id} took ${check.durationMs} ms, ${round1(check.durationMs / Math.max(median, 1))}× its median of ${median} ms over the last ${durations.length} runs (alerts above ${thresholds.factor}× and +${thresholds.minMs} ms)`,
    });
  }
  return alerts;
}

export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

const round1 = (value: number) => Math.round(value * 10) / 10;
