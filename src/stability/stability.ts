/**
 * The stability of a series of runs of the same checks (`run --repeat N`): per check, how often
 * it passed when it was executed, whether it is flaky (passed and failed in the same series),
 * why it failed (reasons grouped), and its duration percentiles. Pure: reports in, data out.
 */
import type { CheckStability, RunReport, Stability } from '../runner/index.js';

export function stabilityOf(reports: readonly RunReport[], minPassRate: number): Stability {
  const byCheck = new Map<string, RunReport['checks']>();
  for (const report of reports)
    for (const check of report.checks) byCheck.set(check.id, [...(byCheck.get(check.id) ?? []), check]);
  const checks: CheckStability[] = [...byCheck].map(([id, results]) => {
    const passed = results.filter((result) => result.status === 'passed');
    const failed = results.filter((result) => result.status === 'failed');
    const executed = passed.length + failed.length;
    const reasons = new Map<string, number>();
    for (const result of failed) {
      const reason = firstLine(result.reason) ?? '(no reason given)';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const durations = [...passed, ...failed].map((result) => result.duration_ms).sort((a, b) => a - b);
    return {
      id,
      executed,
      passed: passed.length,
      failed: failed.length,
      not_executed: results.length - executed,
      pass_rate: executed === 0 ? null : round(passed.length / executed),
      flaky: passed.length > 0 && failed.length > 0,
      failure_reasons: [...reasons]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      duration_ms:
        durations.length === 0
          ? null
          : {
              p50: percentile(durations, 0.5),
              p90: percentile(durations, 0.9),
              p99: percentile(durations, 0.99),
              max: durations.at(-1)!,
            },
    };
  });
  return {
    runs: reports.length,
    min_pass_rate: minPassRate,
    checks,
    flaky: checks.filter((check) => check.flaky).map((check) => check.id),
    below_min_pass_rate: checks
      .filter((check) => check.pass_rate !== null && check.pass_rate < minPassRate)
      .map((check) => check.id),
  };
}

/** Nearest rank on sorted values: a percentile is a duration that was measured. */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function firstLine(text: string | undefined): string | undefined {
  return text
    ?.split('\n')
    .map((line) => line.trim())
    .find(Boolean);
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
