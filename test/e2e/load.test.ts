/**
 * `agentwire load` end to end: the built CLI against the reference backend it starts itself,
 * against servers started with faults (the load test must catch broken seq and leaks), in two
 * shards merged back into one report, and on bad input.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORRECTNESS_THRESHOLDS, cli, serve } from '../support/cli.js';

const SECRET = 'load-test-secret-0123456789abcdef';
const CORRECTNESS = CORRECTNESS_THRESHOLDS;

const servers: Array<() => Promise<unknown>> = [];
afterAll(() => Promise.all(servers.map((stop) => stop())));

/** `agentwire serve` with the given faults, on a free port. */
async function serveWith(faults: string[] = []): Promise<string> {
  const backend = await serve(
    ['--port', '0', '--log-level', 'error', ...faults.flatMap((fault) => ['--fault', fault])],
    { AGENTWIRE_JWT_SECRET: SECRET },
  );
  servers.push(backend.stop);
  return backend.wsUrl;
}

describe('agentwire load (built CLI)', () => {
  it('runs every session against the reference backend it starts, and writes a report with histograms', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-load-'));
    const out = join(dir, 'load.json');
    const result = await cli([
      'load',
      '--sessions',
      '120',
      '--ramp-ms',
      '300',
      '--runs',
      '2',
      '--warmup',
      '20',
      '--out',
      out,
      ...CORRECTNESS,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/handshake_ready\s+120\s/);
    expect(result.stdout).toContain('verdict: PASSED');
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.kind).toBe('agentwire-load');
    expect(report.target.server).toBe('spawned');
    expect(report.counters).toMatchObject({ sessions_opened: 120, runs_started: 240, runs_completed: 240 });
    // Each run of the default scenario has 9 events: started, thinking, tool pair, 4 chunks, completed.
    expect(report.counters.events_received).toBe(240 * 9);
    expect(report.latency_ms.run.count).toBe(240);
    expect(report.latency_ms.delivery.count).toBe(240 * 9);
    expect(report.latency_ms.run.p50).toBeGreaterThan(0);
    expect(report.server_rss_mb).toBeGreaterThan(10);
    expect(Object.keys(report.histograms)).toEqual([
      'handshake_ready',
      'ack',
      'first_event',
      'delivery',
      'run',
      'schedule_lag',
    ]);
    expect(JSON.stringify(report)).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\./);
  }, 120_000);

  it('fails, exit 1, on a threshold the run cannot meet, naming it with the measured value', async () => {
    const result = await cli([
      'load',
      '--sessions',
      '20',
      '--ramp-ms',
      '50',
      '--warmup',
      '0',
      '--no-default-thresholds',
      '--threshold',
      'run.p50<1',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/✗ run\.p50<1 \(\d+(\.\d+)?\) \[given\]/);
    expect(result.stdout).toContain('verdict: FAILED');
  }, 120_000);

  it('catches a server that breaks seq under load, and one that leaks events across users', async () => {
    const broken = await serveWith(['seq-dup']);
    const leaky = await serveWith(['cross-user-leak']);
    const common = [
      '--jwt-secret',
      SECRET,
      '--sessions',
      '40',
      '--ramp-ms',
      '100',
      '--warmup',
      '0',
      '--json',
    ];
    const seq = await cli(['load', '--target', broken, ...common, ...CORRECTNESS]);
    expect(seq.code, seq.stderr).toBe(1);
    const seqReport = JSON.parse(seq.stdout);
    expect(seqReport.counters.seq_violations).toBeGreaterThan(0);
    expect(seqReport.thresholds.find((t: { key: string }) => t.key === 'seq_violations').passed).toBe(false);
    const leak = await cli(['load', '--target', leaky, ...common, ...CORRECTNESS]);
    expect(leak.code, leak.stderr).toBe(1);
    expect(JSON.parse(leak.stdout).counters.foreign_events).toBeGreaterThan(0);
  }, 120_000);

  it('two shards merge into one report with every sample; a missing or repeated shard is refused', async () => {
    const target = await serveWith();
    const dir = await mkdtemp(join(tmpdir(), 'aw-load-shards-'));
    const shard = (index: number) =>
      cli([
        'load',
        '--target',
        target,
        '--jwt-secret',
        SECRET,
        '--sessions',
        '61',
        '--ramp-ms',
        '100',
        '--warmup',
        '0',
        '--shard',
        `${index}/2`,
        '--run-tag',
        'ci',
        '--out',
        join(dir, `shard-${index}.json`),
        ...CORRECTNESS,
      ]);
    const [first, second] = await Promise.all([shard(1), shard(2)]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const parts = await Promise.all(
      [1, 2].map(async (index) => JSON.parse(await readFile(join(dir, `shard-${index}.json`), 'utf8'))),
    );
    expect(parts.map((part) => part.plan.sessions)).toEqual([31, 30]);

    const mergedPath = join(dir, 'merged.json');
    const merged = await cli([
      'load',
      'merge',
      join(dir, 'shard-1.json'),
      join(dir, 'shard-2.json'),
      '--out',
      mergedPath,
      ...CORRECTNESS.slice(0, 3),
    ]);
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    const report = JSON.parse(await readFile(mergedPath, 'utf8'));
    expect(report.plan).toMatchObject({ sessions: 61, sessions_total: 61, shard_indexes: [1, 2] });
    expect(report.counters.sessions_opened).toBe(61);
    expect(report.latency_ms.handshake_ready.count).toBe(61);
    expect(report.latency_ms.run.max).toBe(
      Math.max(parts[0].latency_ms.run.max, parts[1].latency_ms.run.max),
    );

    const missing = await cli(['load', 'merge', join(dir, 'shard-1.json')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('shard 2/2 missing');
    const twice = await cli(['load', 'merge', join(dir, 'shard-1.json'), join(dir, 'shard-1.json')]);
    expect(twice.code).toBe(64);
    expect(twice.stderr).toMatch(/shard 1\/2 is in both/);
    await writeFile(join(dir, 'other.json'), '{"kind":"agentwire-report"}');
    const other = await cli(['load', 'merge', join(dir, 'other.json')]);
    expect(other.code).toBe(64);
    expect(other.stderr).toMatch(/other\.json is not an agentwire load report \(kind: /);
  }, 120_000);

  it('bad input: exit 64 naming the problem; an unreachable target: exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--shard', '3/2'], /--shard takes i\/n with 1 ≤ i ≤ n/],
      [['--shard', '1/2'], /a sharded run needs --run-tag/],
      [['--threshold', 'ack<5'], /latency ack needs a statistic/],
      [['--sessions', '0'], /--sessions takes a whole number from 1/],
      [['--target', 'ws://127.0.0.1:9/ws'], /needs the JWT secret/],
      [['--target', 'http://127.0.0.1:9/ws', '--jwt-secret', SECRET], /ws:\/\/ or wss:\/\//],
      [['--arrival-rate', '10/s'], /--arrival-rate needs --duration-ms/],
      [['--arrival-rate', '10/s', '--duration-ms', '1000', '--sessions', '5'], /not both/],
      [['--arrival-rate', 'fast', '--duration-ms', '1000'], /--arrival-rate takes sessions per second/],
      [['--local-address', 'here'], /--local-address takes an IP address/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['load', ...args]);
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    const unreachable = await cli([
      'load',
      '--target',
      'ws://127.0.0.1:9/ws',
      '--jwt-secret',
      SECRET,
      '--sessions',
      '3',
      '--warmup',
      '0',
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/not one session could be opened .*ECONNREFUSED/);
    expect(unreachable.stdout + unreachable.stderr).not.toContain(SECRET);
  }, 120_000);
});
