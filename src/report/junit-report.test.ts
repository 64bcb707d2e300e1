import { describe, expect, it } from 'vitest';
import type { CheckResult, RunReport } from '../runner/index.js';
import { summarise } from '../runner/index.js';
import { NOT_CHECKED_CASE, renderJunit } from './junit-report.js';

function report(checks: CheckResult[], extra: Partial<RunReport>): RunReport {
  return {
    schema_version: 1,
    verdict: 'PASSED',
    exit_code: 0,
    tool: { name: 'agentwire', version: '0' },
    profile: 'aep',
    target: { ws_url: 'ws://x/ws', http_url: 'http://x', mode: 'external' },
    capabilities: [],
    started_at: '2026-01-01T00:00:00.000Z',
    duration_ms: 5,
    settings: { concurrency: 1, check_timeout_ms: 1, retries: 0, min_executed: 1 },
    summary: summarise(checks),
    checks,
    ...extra,
  };
}

const check = (id: string, status: CheckResult['status'], reason?: string): CheckResult => ({
  id,
  rule: id.split('/')[0]!,
  rules: [id.split('/')[0]!],
  title: `Title of ${id}`,
  status,
  duration_ms: 1,
  attempts: 1,
  ...(reason ? { reason } : {}),
});

describe('junit.xml', () => {
  it('names test cases by check id and keeps the title in its own attribute', () => {
    const xml = renderJunit(report([check('R-1.1/a', 'passed')], {}));
    expect(xml).toContain('name="R-1.1/a" title="Title of R-1.1/a"');
    expect(xml).not.toContain(NOT_CHECKED_CASE);
    expect(xml).toContain('errors="0"');
  });

  it('exit 2: an <error> test case says why, so CI shows red', () => {
    const problem = 'AW_ENV_NOT_RESOLVED: no tier could provide backend (tried docker)';
    const xml = renderJunit(
      report([check('R-1.1/a', 'skipped', 'not run')], { verdict: 'NOT_CHECKED', exit_code: 2, problem }),
    );
    expect(xml).toContain(`name="${NOT_CHECKED_CASE}"`);
    expect(xml).toMatch(
      /<error message="AW_ENV_NOT_RESOLVED: no tier could provide backend \(tried docker\)"/,
    );
    expect(xml).toContain('tests="2" failures="0" errors="1" skipped="1"');
  });
});
