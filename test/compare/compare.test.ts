/**
 * `agentwire compare` on reports written in this test by real runs: the embedded backend
 * against a served one started with a fault, and two load runs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRECTNESS_THRESHOLDS, cli, serve } from '../support/cli.js';

let dir: string;
const CHECKS = 'R-2.2/expired-token-401,R-2.2/no-token-401,R-6.4/graceful-drain';
const SECRET = 'compare-test-secret-0123456789abcdef';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentwire-compare-'));
  // One process at a time: the machine is shared, and a start-up timeout is not what is tested.
  const local = await cli(['run', '--checks', CHECKS, '--report-dir', join(dir, 'embedded')]);
  expect(local.code, local.stderr).toBe(0);
  const served = await serve(['--port', '0', '--fault', 'accept-expired', '--jwt-secret', SECRET], {});
  try {
    const remote = await cli([
      'run',
      '--target',
      served.wsUrl,
      '--jwt-secret',
      SECRET,
      '--checks',
      CHECKS,
      '--report-dir',
      join(dir, 'staging'),
    ]);
    expect(remote.code, remote.stderr).toBe(1);
    // Two load runs against the same backend (the fault does not touch what load measures).
    for (const name of ['before', 'after']) {
      const load = await cli([
        'load',
        '--target',
        served.wsUrl,
        '--jwt-secret',
        SECRET,
        '--sessions',
        '5',
        '--ramp-ms',
        '0',
        ...CORRECTNESS_THRESHOLDS,
        '--out',
        join(dir, `${name}.json`),
      ]);
      expect(load.code, load.stderr).toBe(0);
    }
  } finally {
    await served.stop();
  }
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agentwire compare', { timeout: 60_000 }, () => {
  it('two run reports: status changes, executed counts, and which environment to trust per rule', async () => {
    const out = join(dir, 'compare.json');
    const markdown = join(dir, 'compare.md');
    const result = await cli([
      'compare',
      join(dir, 'embedded/report.json'),
      join(dir, 'staging/report.json'),
      '--out',
      out,
      '--markdown',
      markdown,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const comparison = JSON.parse(await readFile(out, 'utf8'));
    expect(comparison).toMatchObject({ schema_version: 1, kind: 'agentwire.compare' });
    const { report } = comparison;
    expect(report.a).toMatchObject({ label: 'embedded', verdict: 'PASSED', summary: { executed: 3 } });
    expect(report.b).toMatchObject({ label: 'staging', verdict: 'FAILED', summary: { executed: 2 } });
    expect(report.executed_delta).toBe(-1);
    expect(report.status_changes).toEqual([
      expect.objectContaining({ id: 'R-2.2/expired-token-401', a: 'passed', b: 'failed' }),
      expect.objectContaining({ id: 'R-6.4/graceful-drain', a: 'passed', b: 'unsupported' }),
    ]);
    const trust = Object.fromEntries(
      report.decision_matrix.map((row: { rule: string; trust: string }) => [row.rule, row.trust]),
    );
    // has a passing and a failing check on staging: the rule failed there, passed here; the
    // drain check needs instances of its own: unsupported against --target.
    expect(trust).toEqual({ 'R-1.5': 'a-only', 'R-2.2': 'disagree', 'R-6.3': 'a-only', 'R-6.4': 'a-only' });
    expect(report.timing.map((row: { id: string }) => row.id).sort()).toEqual([
      'R-2.2/expired-token-401',
      'R-2.2/no-token-401',
    ]);
    expect(result.stdout).toMatch(/R-6\.4\s+passed\s+not executed\s+embedded only/);
    expect(await readFile(markdown, 'utf8')).toContain(
      '| R-2.2 | passed | failed | neither: they disagree |',
    );
  });

  it('two load reports: percentiles per metric from the histograms, counters, thresholds', async () => {
    const result = await cli(['compare', join(dir, 'before.json'), join(dir, 'after.json'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { report } = JSON.parse(result.stdout);
    expect(report.kind).toBe('load');
    const before = JSON.parse(await readFile(join(dir, 'before.json'), 'utf8'));
    const after = JSON.parse(await readFile(join(dir, 'after.json'), 'utf8'));
    const p99 = report.latency.find(
      (row: { metric: string; stat: string }) => row.metric === 'run' && row.stat === 'p99',
    );
    expect(p99).toMatchObject({ a_ms: before.latency_ms.run.p99, b_ms: after.latency_ms.run.p99 });
    expect(p99.delta_ms).toBeCloseTo(after.latency_ms.run.p99 - before.latency_ms.run.p99, 1);
    expect(report.counters.find((row: { name: string }) => row.name === 'runs_completed')).toMatchObject({
      a: 5,
      b: 5,
      delta: 0,
    });
    expect(report.thresholds).toContainEqual({ rule: 'runs_failed==0', a: 'held', b: 'held' });
  });

  it('refuses a run report against a load report, and a file that is no report, naming the fix', async () => {
    const mixed = await cli(['compare', join(dir, 'embedded/report.json'), join(dir, 'before.json')]);
    expect(mixed.code).toBe(64);
    expect(mixed.stderr).toContain('is a run report and');
    const other = join(dir, 'other.json');
    await writeFile(other, '{"hello": 1}');
    const bad = await cli(['compare', other, join(dir, 'staging/report.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an agentwire run report');
  });
});
