/** Exit codes, the contract with CI: see the README's table. */

import { ExitCode } from '../errors.js';
import type { CheckResult, RunReport, VerdictWord } from './results.js';

export { ExitCode };

export interface Verdict {
  exitCode: (typeof ExitCode)[keyof typeof ExitCode];
  /** The verdict in one word (report.json's `verdict`). */
  word: VerdictWord;
  /** Why the run could not count as checked, when it could not. */
  problem?: string;
}

export function verdictOf(
  report: Pick<RunReport, 'summary' | 'problem' | 'settings' | 'checks'>,
  allowSkip = false,
  interrupted = false,
): Verdict {
  if (interrupted)
    return {
      exitCode: ExitCode.interrupted,
      word: 'INTERRUPTED',
      problem: report.problem ?? 'interrupted before every check had run: the report is partial',
    };
  const verdict = exitVerdict(report, allowSkip);
  const word: VerdictWord =
    verdict.exitCode === ExitCode.checkFailed
      ? 'FAILED'
      : verdict.exitCode === ExitCode.ok && report.summary.executed > 0 && !report.problem
        ? 'PASSED'
        : 'NOT_CHECKED';
  return { ...verdict, word };
}

function exitVerdict(
  report: Pick<RunReport, 'summary' | 'problem' | 'settings' | 'checks'>,
  allowSkip: boolean,
): Omit<Verdict, 'word'> {
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
  const required = new Set(report.settings.required ?? []);
  const notExecuted = report.checks.filter(
    (check) => required.has(check.id) && check.status !== 'passed' && check.status !== 'failed',
  );
  if (notExecuted.length > 0) {
    return {
      exitCode: ExitCode.notChecked,
      problem: `${notExecuted.length} required check(s) not executed (--require): ${listed(notExecuted)}`,
    };
  }
  const maxUnsupported = report.settings.max_unsupported;
  if (maxUnsupported !== undefined && summary.unsupported > maxUnsupported) {
    const unsupported = report.checks.filter((check) => check.status === 'unsupported');
    return {
      exitCode: ExitCode.notChecked,
      problem: `${summary.unsupported} checks unsupported, more than --max-unsupported ${maxUnsupported}: ${listed(unsupported)}`,
    };
  }
  return { exitCode: ExitCode.ok };
}

function listed(checks: readonly CheckResult[]): string {
  const shown = checks
    .slice(0, 5)
    .map((check) => `${check.id} (${check.status}: ${check.reason ?? 'no reason'})`);
  return (
    shown.join('; ') + (checks.length > shown.length ? `; and ${checks.length - shown.length} more` : '')
  );
}
