/**
 * `run --repeat N` and `--reporter github` on real runs of the embedded backend, clean and with a
 * fault: the stability section, the exit code from --min-pass-rate, the HTML flake table, the
 * ::error annotations and the step summary.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunReport } from '../../src/runner/index.js';
import { stabilityOf } from '../../src/stability/index.js';
import { cli } from '../support/cli.js';

let dir: string;
const CHECKS = 'R-2.2/expired-token-401,R-2.2/no-token-401';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentwire-repeat-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readReport = async (name: string) =>
  parseRunReport(JSON.parse(await readFile(join(dir, name, 'report.json'), 'utf8')));

describe('run --repeat', { timeout: 120_000 }, () => {
  it('a clean series: every check at pass rate 1, exit 0, duration percentiles from every run', async () => {
    const result = await cli(
      ['run', '--repeat', '3', '--checks', CHECKS, '--report-dir', join(dir, 'clean')],
      {
        ...process.env,
        GITHUB_ACTIONS: '',
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/run 3\/3: passed, 2 passed, 0 failed/);
    const report = await readReport('clean');
    expect(report.stability).toMatchObject({ runs: 3, min_pass_rate: 1, flaky: [], below_min_pass_rate: [] });
    for (const check of report.stability!.checks) {
      expect(check).toMatchObject({ executed: 3, passed: 3, pass_rate: 1, flaky: false });
      expect(check.duration_ms!.p50).toBeLessThanOrEqual(check.duration_ms!.max);
    }
  });

  it('a failing check under GitHub Actions: exit 1, reasons grouped, ::error annotations, step summary, flake table', async () => {
    const summary = join(dir, 'summary.md');
    const result = await cli(
      [
        'run',
        '--repeat',
        '3',
        '--fault',
        'accept-expired',
        '--checks',
        CHECKS,
        '--report-dir',
        join(dir, 'fault'),
      ],
      { ...process.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    );
    expect(result.code, result.stderr).toBe(1);
    const report = await readReport('fault');
    expect(report.verdict).toBe('FAILED');
    expect(report.stability!.below_min_pass_rate).toEqual(['R-2.2/expired-token-401']);
    const expired = report.stability!.checks.find((check) => check.id === 'R-2.2/expired-token-401')!;
    expect(expired).toMatchObject({ executed: 3, failed: 3, pass_rate: 0, flaky: false });
    expect(expired.failure_reasons).toHaveLength(1);
    expect(expired.failure_reasons[0]!.count).toBe(3);
    expect(result.stdout).toMatch(/^::error title=R-2\.2\/expired-token-401 \(R-2\.2\)::/m);
    expect(result.stdout).not.toContain('::error title=R-2.2/no-token-401');
    const markdown = await readFile(summary, 'utf8');
    expect(markdown).toContain('agentwire aep: FAILED (exit 1)');
    expect(markdown).toContain('| `R-2.2/expired-token-401` | R-2.2 |');
    const html = await readFile(join(dir, 'fault', 'report.html'), 'utf8');
    expect(html).toMatch(/<table id="flakes">.*R-2\.2\/expired-token-401.*0% \(0\/3\).*always failed/s);

    // A series where the check passed and then failed is flaky, its failures grouped.
    const flaky = stabilityOf([await readReport('clean'), report, report], 0.5);
    expect(flaky.flaky).toEqual(['R-2.2/expired-token-401']);
    expect(flaky.below_min_pass_rate).toEqual(['R-2.2/expired-token-401']);
  });

  it('--min-pass-rate 0 accepts the failing series; a bad rate is a usage error', async () => {
    const accepted = await cli(
      [
        'run',
        '--repeat',
        '2',
        '--min-pass-rate',
        '0',
        '--fault',
        'accept-expired',
        '--checks',
        CHECKS,
        '--report-dir',
        join(dir, 'lenient'),
      ],
      { ...process.env, GITHUB_ACTIONS: '' },
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    const bad = await cli(['run', '--repeat', '2', '--min-pass-rate', '1.5']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--min-pass-rate takes a number from 0 to 1');
  });
});
