/**
 * `agentwire load` tells the truth about a run: interrupted runs say so (exit 130, a partial
 * report marked as such, also during the warm-up), a --target gets no warm-up unless asked, an
 * unwritable --out is refused before the run, progress shows when stderr is not a terminal,
 * low concurrency is called out, and no listener-leak warning is printed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, CORRECTNESS_THRESHOLDS, cli, serve } from '../support/cli.js';

const SECRET = 'load-honesty-secret-0123456789abcdef';
const servers: Array<() => Promise<unknown>> = [];
afterAll(() => Promise.all(servers.map((stop) => stop())));

async function target(): Promise<string> {
  const backend = await serve(['--port', '0', '--log-level', 'error'], { AGENTWIRE_JWT_SECRET: SECRET });
  servers.push(backend.stop);
  return backend.wsUrl;
}

/** Starts `agentwire load ARGS`, sends `signal` once stderr matches `when`, and waits for the exit. */
async function interrupt(args: string[], when: RegExp, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [CLI, 'load', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalledAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
    if (!signalledAt && when.test(stderr)) {
      signalledAt = Date.now();
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  return { code, stdout, stderr, stoppedInMs: Date.now() - signalledAt, signalled: signalledAt > 0 };
}

describe('agentwire load is honest', () => {
  it('Ctrl+C mid-run: verdict INTERRUPTED, exit 130, a partial report marked as such; progress lines off a terminal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-load-int-'));
    const out = join(dir, 'load.json');
    const result = await interrupt(
      [
        '--target',
        await target(),
        '--jwt-secret',
        SECRET,
        '--sessions',
        '40',
        '--ramp-ms',
        '400',
        '--hold-ms',
        '60000',
        '--progress-every-ms',
        '300',
        '--out',
        out,
      ],
      // Interrupted once every session is open and at least one progress line came before that
      // one (on a fast machine the first line may already show all 40 open).
      /run \d+\.\d s[^\n]*\n(?:[^\n]*\n)*?run \d+\.\d s {2}started 40\/40 {2}open 40/,
      'SIGINT',
    );
    expect(result.signalled, result.stderr).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    // The held sessions are let go at once, not after their 60 s hold.
    expect(result.stoppedInMs).toBeLessThan(10_000);
    expect(result.stdout).toContain('verdict: INTERRUPTED');
    expect(result.stdout).toContain('partial report');
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.verdict).toBe('interrupted');
    expect(report.interrupted).toEqual({ during: 'run' });
    expect(report.counters.sessions_opened).toBe(40);
    expect(report.counters.sessions_failed).toBe(0);
    expect(report.warnings[0]).toMatch(/^interrupted during the run after 40 of 40 sessions started/);
    // Whole progress lines, several of them, before the end.
    expect(
      result.stderr.match(/^run \d+\.\d s {2}started \d+\/40 .*failed$/gm)?.length,
    ).toBeGreaterThanOrEqual(2);
    expect(result.stderr).not.toContain('\r');
  }, 120_000);

  it('SIGTERM during the warm-up of the backend it starts: INTERRUPTED, exit 130, the report says when', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-load-warm-'));
    const out = join(dir, 'load.json');
    const result = await interrupt(
      ['--sessions', '10', '--warmup', '3000', '--progress-every-ms', '200', '--out', out, '--json'],
      /^warm-up \d/m,
      'SIGTERM',
    );
    expect(result.signalled, result.stderr).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/warm-up 3000 sessions first \(not counted\)/);
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report).toMatchObject({
      verdict: 'interrupted',
      interrupted: { during: 'warm-up' },
      sessions_started: 0,
    });
    expect(JSON.parse(result.stdout).verdict).toBe('interrupted');
  }, 120_000);

  it('a --target gets no warm-up unless asked, and the plan line and report say which', async () => {
    const url = await target();
    const common = [
      '--target',
      url,
      '--jwt-secret',
      SECRET,
      '--sessions',
      '12',
      '--ramp-ms',
      '100',
      '--json',
    ];
    const none = await cli(['load', ...common, ...CORRECTNESS_THRESHOLDS]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toMatch(/^load: closed model: 12 sessions .*; no warm-up$/m);
    expect(JSON.parse(none.stdout).plan.warmup_sessions).toBe(0);
    const asked = await cli(['load', ...common, '--warmup', '15', ...CORRECTNESS_THRESHOLDS]);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).toMatch(/; warm-up 15 sessions first \(not counted\)$/m);
    const report = JSON.parse(asked.stdout);
    expect(report.plan.warmup_sessions).toBe(15);
    // Warm-up sessions are not in the numbers.
    expect(report.counters.sessions_opened).toBe(12);
    // More than ten users share one stop signal: no listener-leak warning.
    expect(asked.stderr).not.toContain('MaxListenersExceededWarning');
  }, 120_000);

  it('an unwritable --out is refused before the run, exit 64, naming the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-load-out-'));
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    for (const [out, message] of [
      [join(file, 'load.json'), /--out .*a-file\/load\.json cannot be written \(ENOTDIR\)/],
      [dir, /--out .* is a directory: give a file name/],
    ] as const) {
      const started = Date.now();
      // A long plan against an unreachable target: refused before any of it runs.
      const result = await cli([
        'load',
        '--target',
        'ws://127.0.0.1:9/ws',
        '--jwt-secret',
        SECRET,
        '--sessions',
        '5',
        '--ramp-ms',
        '60000',
        '--out',
        out,
      ]);
      expect(result.code, result.stderr).toBe(64);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/^load: /m);
      expect(Date.now() - started).toBeLessThan(20_000);
    }
  }, 120_000);

  it('says so when far fewer sessions were open at once than planned', async () => {
    const result = await cli([
      'load',
      '--target',
      await target(),
      '--jwt-secret',
      SECRET,
      '--sessions',
      '30',
      '--ramp-ms',
      '3000',
      '--hold-ms',
      '0',
      '--runs',
      '0',
      '--json',
      ...CORRECTNESS_THRESHOLDS,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    // 30 sessions, one every 100 ms, each closed right after its ready: a handful at a time.
    expect(report.peak_open_sessions).toBeLessThan(24);
    expect(report.peak_open_sessions).toBeGreaterThan(0);
    expect(report.warnings.join('\n')).toMatch(
      new RegExp(`at most ${report.peak_open_sessions} of the 30 sessions were open at once .*--hold-ms`),
    );
  }, 120_000);
});
