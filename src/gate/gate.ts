/**
 * The gate: counts what a suite really executed, groups why the rest was skipped, compares with
 * a baseline, and fails when the criteria are not met. Pure: test cases in, report out.
 */
import { GATE_SCHEMA_VERSION, type GateCounts, type GateReport } from './gate-report.js';
import { globToRegExp } from './glob.js';
import { NO_REASON, type TestCase } from './junit.js';

export interface GateCriteria {
  /** Fewer executed tests fail the gate; 1 by default, so a suite that ran nothing fails. */
  minExecuted: number;
  /** skipped / tests above this fails the gate. */
  maxSkippedRatio?: number;
  /** Each glob must match an executed test (by id or file). */
  require: string[];
}

export interface Baseline {
  /** Where it came from, for the report. */
  source: string;
  tests: ReadonlyArray<{ id: string; status: 'passed' | 'failed' | 'skipped' }>;
}

const EXAMPLES_PER_REASON = 3;

export function evaluateGate(
  cases: readonly TestCase[],
  reports: readonly string[],
  criteria: GateCriteria,
  baseline?: Baseline,
  now: Date = new Date(),
): GateReport {
  const tests = withUniqueIds(cases);
  const totals = count(tests);
  const skippedRatio = totals.tests === 0 ? 0 : totals.skipped / totals.tests;
  const problems: string[] = [];

  const failedTests = tests
    .filter((test) => test.status === 'failed')
    .map((test) => ({ id: test.id, reason: test.reason ?? '(no message)' }));
  if (failedTests.length > 0) problems.push(`${failedTests.length} test${plural(failedTests.length)} failed`);

  if (totals.executed < criteria.minExecuted) {
    problems.push(
      totals.executed === 0
        ? `no test was executed (${totals.skipped} skipped of ${totals.tests}); the gate needs at least ${criteria.minExecuted}`
        : `only ${totals.executed} tests executed, fewer than --min-executed ${criteria.minExecuted}`,
    );
  }
  if (criteria.maxSkippedRatio !== undefined && skippedRatio > criteria.maxSkippedRatio) {
    problems.push(
      `${percent(skippedRatio)} of tests skipped (${totals.skipped} of ${totals.tests}), above --max-skipped-ratio ${criteria.maxSkippedRatio}`,
    );
  }
  for (const glob of criteria.require) {
    const pattern = globToRegExp(glob);
    const matching = tests.filter((test) => pattern.test(test.id) || pattern.test(test.file));
    if (matching.length === 0) problems.push(`--require ${glob} matched no test`);
    else if (!matching.some(isExecuted)) {
      const reasons = [...new Set(matching.map((test) => test.reason ?? NO_REASON))].join('; ');
      problems.push(`--require ${glob}: all ${matching.length} matching tests were skipped (${reasons})`);
    }
  }

  let coverageLoss: GateReport['coverage_loss'] = null;
  if (baseline) {
    const byId = new Map(tests.map((test) => [test.id, test]));
    const nowSkipped: { id: string; reason: string }[] = [];
    const vanished: string[] = [];
    for (const before of baseline.tests) {
      if (before.status === 'skipped') continue;
      const after = byId.get(before.id);
      if (!after) vanished.push(before.id);
      else if (after.status === 'skipped')
        nowSkipped.push({ id: before.id, reason: after.reason ?? NO_REASON });
    }
    coverageLoss = { now_skipped: nowSkipped, vanished };
    if (nowSkipped.length > 0)
      problems.push(
        `${nowSkipped.length} test${plural(nowSkipped.length)} executed in the baseline now skipped`,
      );
    if (vanished.length > 0)
      problems.push(
        `${vanished.length} test${plural(vanished.length)} executed in the baseline vanished (renamed, deleted, or never collected)`,
      );
  }

  const verdict = problems.length === 0 ? 'pass' : 'fail';
  return {
    schema_version: GATE_SCHEMA_VERSION,
    kind: 'agentwire.gate',
    generated_at: now.toISOString(),
    verdict,
    exit_code: verdict === 'pass' ? 0 : 1,
    reports: [...reports],
    criteria: {
      min_executed: criteria.minExecuted,
      max_skipped_ratio: criteria.maxSkippedRatio ?? null,
      require: [...criteria.require],
      baseline: baseline?.source ?? null,
    },
    totals: { ...totals, skipped_ratio: round(skippedRatio) },
    problems,
    skip_reasons: skipReasons(tests),
    suites: groupCounts(tests, (test) => test.suites.join(' › ') || test.classname || test.file),
    files: groupCounts(tests, (test) => test.file),
    failed_tests: failedTests,
    coverage_loss: coverageLoss,
    tests: tests.map((test) => ({
      id: test.id,
      status: test.status,
      ...(test.status === 'skipped' && test.reason ? { reason: test.reason } : {}),
    })),
  };
}

const isExecuted = (test: TestCase) => test.status !== 'skipped';

/** Two cases with one id (the same suite in two shards' reports) stay apart: `#2`, `#3`. */
export function withUniqueIds(cases: readonly TestCase[]): TestCase[] {
  const seen = new Map<string, number>();
  return cases.map((test) => {
    const n = (seen.get(test.id) ?? 0) + 1;
    seen.set(test.id, n);
    return n === 1 ? test : { ...test, id: `${test.id} #${n}` };
  });
}

function count(tests: readonly TestCase[]): GateCounts {
  const passed = tests.filter((test) => test.status === 'passed').length;
  const failed = tests.filter((test) => test.status === 'failed').length;
  return {
    tests: tests.length,
    executed: passed + failed,
    passed,
    failed,
    skipped: tests.length - passed - failed,
  };
}

function groupCounts(tests: readonly TestCase[], keyOf: (test: TestCase) => string) {
  const groups = new Map<string, TestCase[]>();
  for (const test of tests) groups.set(keyOf(test), [...(groups.get(keyOf(test)) ?? []), test]);
  return [...groups].map(([name, members]) => ({ name, ...count(members) }));
}

/** Most frequent first: "Docker not available × 80" is the line to read. */
function skipReasons(tests: readonly TestCase[]): GateReport['skip_reasons'] {
  const groups = new Map<string, string[]>();
  for (const test of tests) {
    if (test.status !== 'skipped') continue;
    const reason = test.reason ?? NO_REASON;
    groups.set(reason, [...(groups.get(reason) ?? []), test.id]);
  }
  return [...groups]
    .map(([reason, ids]) => ({ reason, count: ids.length, examples: ids.slice(0, EXAMPLES_PER_REASON) }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

const plural = (n: number) => (n === 1 ? '' : 's');
const round = (value: number) => Math.round(value * 10_000) / 10_000;
export const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;
