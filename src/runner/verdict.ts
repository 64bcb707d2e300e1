/** Exit codes, the contract with CI: see the README's table. */
import type { RunReport } from './results.js';

export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  notChecked: 2,
  usage: 64,
} as const;

export interface Verdict {
  exitCode: (typeof ExitCode)[keyof typeof ExitCode];
  /** Why the run could not count as checked, when it could not. */
  problem?: string;
}

export function verdictOf(
  report: Pick<RunReport, 'summary' | 'problem' | 'settings'>,
  allowSkip = false,
): Verdict {
  const { summary } = report;
  if (report.problem) {
    return allowSkip && summary.executed === 0
      ? { exitCode: ExitCode.ok }
      : { exitCode: ExitCode.notChecked, problem: report.problem };
  }
  if (summary.failed > 0) return { exitCode: ExitCode.checkFailed };
  if (summary.executed === 0) {
    return allowSkip
      ? { exitCode: ExitCode.ok }
      : { exitCode: ExitCode.notChecked, problem: 'no check was executed' };
  }
  if (summary.executed < report.settings.min_executed) {
    return {
      exitCode: ExitCode.notChecked,
      problem: `only ${summary.executed} checks executed, fewer than --min-executed ${report.settings.min_executed}`,
    };
  }
  return { exitCode: ExitCode.ok };
}
