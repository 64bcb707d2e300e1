/**
 * `run --repeat N`: the suite N times against one acquired target, each run with fresh sessions
 * (runSuite opens its own connections), then one report — the last run's, with `stability` over
 * the whole series — through the usual reporters. Exit 1 when a check's pass rate is below
 * --min-pass-rate; otherwise the last run's "could not check" (2) or interruption (130) stands.
 */
import { ExitCode } from '../errors.js';
import type { Reporter } from '../report/index.js';
import type { RunReport } from '../runner/index.js';
import { stabilityOf } from '../stability/index.js';
import { type AcquiredTarget, type RunPlan, runSuite } from '../suite/index.js';

export interface RepeatOptions {
  times: number;
  minPassRate: number;
  reporters: readonly Reporter[];
  signal: AbortSignal;
  onWarning: (message: string) => void;
}

export async function runRepeated(
  plan: RunPlan,
  target: AcquiredTarget,
  options: RepeatOptions,
): Promise<number> {
  const reports: RunReport[] = [];
  for (let round = 1; round <= options.times && !options.signal.aborted; round++) {
    const report = await runSuite(plan, target, {
      signal: options.signal,
      observer: { onWarning: options.onWarning },
    });
    if (report.verdict === 'INTERRUPTED') break;
    reports.push(report);
    const { summary } = report;
    process.stderr.write(
      `run ${round}/${options.times}: ${report.verdict.toLowerCase()}, ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped + summary.unsupported} not executed, ${report.duration_ms} ms\n`,
    );
    if (report.exit_code === ExitCode.notChecked && report.summary.executed === 0) break;
  }
  const last = reports.at(-1);
  if (!last) return ExitCode.interrupted;
  const stability = stabilityOf(reports, options.minPassRate);
  const unstable = stability.below_min_pass_rate.length > 0;
  const interrupted = options.signal.aborted;
  const exitCode = interrupted
    ? ExitCode.interrupted
    : unstable
      ? ExitCode.checkFailed
      : last.exit_code === ExitCode.notChecked
        ? ExitCode.notChecked
        : ExitCode.ok;
  const report: RunReport = {
    ...last,
    verdict: interrupted
      ? 'INTERRUPTED'
      : unstable
        ? 'FAILED'
        : last.exit_code === ExitCode.notChecked
          ? last.verdict
          : 'PASSED',
    exit_code: exitCode,
    ...(unstable
      ? {
          problem: `pass rate below --min-pass-rate ${options.minPassRate}: ${stability.below_min_pass_rate.join(', ')}`,
        }
      : {}),
    stability,
  };
  for (const reporter of options.reporters) {
    await reporter.onRunStart({
      protocol: plan.protocol,
      target: last.target.ws_url,
      checks: plan.checks,
      seed: plan.seed,
      executionProfile: last.settings.execution_profile ?? '',
    });
    for (const check of report.checks) reporter.onCheckEnd(check);
    await reporter.onRunEnd(report);
  }
  process.stderr.write(renderStability(report));
  return exitCode;
}

function renderStability(report: RunReport): string {
  const stability = report.stability!;
  const lines = [
    `stability over ${stability.runs} runs: ${stability.flaky.length} flaky, ${stability.below_min_pass_rate.length} below --min-pass-rate ${stability.min_pass_rate}`,
  ];
  for (const check of stability.checks) {
    if (check.pass_rate === null || (check.pass_rate === 1 && !check.flaky)) continue;
    lines.push(
      `  ${check.id}: pass rate ${Math.round(check.pass_rate * 1000) / 10}% (${check.passed}/${check.executed})${check.flaky ? ', flaky' : ''}`,
    );
    for (const reason of check.failure_reasons) lines.push(`      ${reason.count} × ${reason.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
