import { describe, expect, it } from 'vitest';
import type { CheckResult, RunReport } from './results.js';
import { summarise } from './results.js';
import { ExitCode, verdictOf } from './verdict.js';

function check(id: string, status: CheckResult['status'], reason?: string): CheckResult {
  return {
    id,
    rule: id.split('/')[0]!,
    rules: [],
    title: id,
    status,
    duration_ms: 1,
    attempts: 1,
    ...(reason ? { reason } : {}),
  };
}

function report(checks: CheckResult[], settings: Partial<RunReport['settings']> = {}) {
  return {
    summary: summarise(checks),
    checks,
    settings: { concurrency: 1, check_timeout_ms: 1, retries: 0, min_executed: 1, ...settings },
  };
}

const checks = [
  check('R-1.1/a', 'passed'),
  check('R-2.3/origin', 'unsupported', 'no allowed Origin is known'),
  check('R-5.3/tools', 'unsupported', 'server lacks capability tools'),
  check('R-6.4/drain', 'skipped', 'not run'),
];

describe('verdictOf: the gate', () => {
  it('passes what executed cleanly when nothing more was asked', () => {
    expect(verdictOf(report(checks))).toEqual({ exitCode: ExitCode.ok, word: 'PASSED' });
  });

  it('--require: exit 2 naming each required check that did not execute, with its reason', () => {
    const verdict = verdictOf(report(checks, { required: ['R-1.1/a', 'R-2.3/origin', 'R-6.4/drain'] }));
    expect(verdict.exitCode).toBe(ExitCode.notChecked);
    expect(verdict.problem).toBe(
      '2 required check(s) not executed (--require): R-2.3/origin (unsupported: no allowed Origin is known); R-6.4/drain (skipped: not run)',
    );
    expect(verdictOf(report(checks, { required: ['R-1.1/a'] })).exitCode).toBe(ExitCode.ok);
  });

  it('--max-unsupported: exit 2 past the limit, listing what was unsupported', () => {
    const verdict = verdictOf(report(checks, { max_unsupported: 1 }));
    expect(verdict.exitCode).toBe(ExitCode.notChecked);
    expect(verdict.problem).toMatch(/^2 checks unsupported, more than --max-unsupported 1: R-2.3\/origin/);
    expect(verdictOf(report(checks, { max_unsupported: 2 })).exitCode).toBe(ExitCode.ok);
  });

  it('a failed check still wins: exit 1', () => {
    const failing = [...checks, check('R-5.1/seq', 'failed', 'gap')];
    expect(verdictOf(report(failing, { max_unsupported: 0, required: ['R-6.4/drain'] })).exitCode).toBe(
      ExitCode.checkFailed,
    );
  });

  it('words: FAILED, NOT_CHECKED (also when --allow-skip exits 0), INTERRUPTED with exit 130', () => {
    const failing = [...checks, check('R-5.1/seq', 'failed', 'gap')];
    expect(verdictOf(report(failing)).word).toBe('FAILED');
    const skipped = [check('R-1.1/a', 'skipped', 'not run')];
    expect(verdictOf(report(skipped))).toMatchObject({ exitCode: 2, word: 'NOT_CHECKED' });
    expect(verdictOf(report(skipped), true)).toMatchObject({ exitCode: 0, word: 'NOT_CHECKED' });
    expect(verdictOf(report(failing), false, true)).toMatchObject({
      exitCode: ExitCode.interrupted,
      word: 'INTERRUPTED',
      problem: expect.stringContaining('partial'),
    });
  });
});
