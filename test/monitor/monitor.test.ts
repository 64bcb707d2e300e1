/**
 * `agentwire monitor` end to end, built CLI against real processes: a served reference backend
 * that is restarted with a fault after the first run (so a check goes from pass to fail), a real
 * HTTP webhook receiver, the SQLite history read back with better-sqlite3, `monitor report`
 * opened in Chromium, and Ctrl+C in the middle of a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { CLI, cli, type ServedBackend, serve } from '../support/cli.js';

const SECRET = 'monitor-test-secret-0123456789abcdef';
const CHECKS = 'R-2.2/expired-token-401,R-2.2/no-token-401';
/** Parts of the webhook URL that must never be printed or stored. */
const WEBHOOK_SECRETS = ['hunter2-password', 'path-secret-42', 'query-secret-value'];
const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentwire-monitor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: { kind: string; run: { number: number }; alerts: Array<Record<string, unknown>>; text: string };
}

async function webhookReceiver(): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: JSON.parse(body) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

/** `agentwire ARGS` as a child process whose stderr the test can wait on. */
function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
    /** Resolves once stderr matches; rejects when the process ends first or after 90 s. */
    waitFor(pattern: RegExp): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within 90 s in:\n${stderr}`)), 90_000);
        const check = () => {
          if (!pattern.test(stderr)) return;
          clearTimeout(timer);
          child.stderr.off('data', check);
          resolve();
        };
        child.stderr.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          if (pattern.test(stderr)) resolve();
          else reject(new Error(`exited before ${pattern}:\n${stderr}`));
        });
        check();
      });
    },
  };
}

function kill(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

describe('agentwire monitor', { timeout: 180_000 }, () => {
  const history = () => join(dir, 'history.sqlite');

  it('a check that starts failing mid-series: alert on the terminal and to the webhook, every run in SQLite', async () => {
    const receiver = await webhookReceiver();
    let backend: ServedBackend = await serve(
      ['--port', '0', '--jwt-secret', SECRET, '--log-level', 'error'],
      {},
    );
    const port = new URL(backend.wsUrl).port;
    const webhook = `http://alerts:${WEBHOOK_SECRETS[0]}@127.0.0.1:${receiver.port}/hook/${WEBHOOK_SECRETS[1]}?token=${WEBHOOK_SECRETS[2]}`;
    const monitor = start([
      'monitor',
      '--every',
      '4s',
      '--runs',
      '3',
      '--target',
      backend.wsUrl,
      '--jwt-secret',
      SECRET,
      '--checks',
      CHECKS,
      '--history',
      history(),
      '--webhook',
      webhook,
    ]);
    try {
      await monitor.waitFor(/^run 1 at .*: passed, 2 passed/m);
      // The same port, now with exp not enforced: R-2.2/expired-token-401 starts failing.
      await backend.stop();
      backend = await serve(
        ['--port', port, '--jwt-secret', SECRET, '--log-level', 'error', '--fault', 'accept-expired'],
        {},
      );
      const { code } = await monitor.exited;
      expect(code, monitor.stderr()).toBe(0);
    } finally {
      kill(monitor.child);
      await backend.stop();
      await new Promise((resolve) => receiver.server.close(resolve));
    }
    const stderr = monitor.stderr();
    expect(stderr).toMatch(/^ALERT run \d+: R-2\.2\/expired-token-401 passed in run 1 and fails now: /m);
    expect(stderr).toMatch(/^run 3 at .*: failed, 1 passed, 1 failed/m);
    expect(stderr).toContain(`alerts to http://127.0.0.1:${receiver.port}`);
    expect(stderr).toMatch(/monitor: done after 3 recorded runs/);
    for (const secret of [...WEBHOOK_SECRETS, SECRET]) expect(stderr).not.toContain(secret);

    // The webhook got the alert JSON naming the check, with the URL's credentials as Basic auth.
    const alerted = receiver.received.flatMap((request) =>
      request.body.alerts
        .filter((alert) => alert.kind === 'pass_to_fail')
        .map((alert) => ({ request, alert })),
    );
    const expired = alerted.find(({ alert }) => alert.check === 'R-2.2/expired-token-401');
    expect(expired, JSON.stringify(receiver.received)).toBeDefined();
    expect(expired!.alert).toMatchObject({ previous_run: 1, message: expect.stringContaining('fails now') });
    expect(expired!.request.body).toMatchObject({ kind: 'agentwire.monitor.alert', schema_version: 1 });
    expect(expired!.request.body.text).toContain('R-2.2/expired-token-401');
    expect(expired!.request.url).toBe(`/hook/${WEBHOOK_SECRETS[1]}?token=${WEBHOOK_SECRETS[2]}`);
    expect(expired!.request.headers['content-type']).toBe('application/json');
    expect(expired!.request.headers.authorization).toBe(
      `Basic ${Buffer.from(`alerts:${WEBHOOK_SECRETS[0]}`).toString('base64')}`,
    );

    // The history, read back: three runs, per-check status and durations, the alert and its webhook.
    const db = new Database(history(), { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM monitor_schema').pluck().get()).toBe(1);
      const runs = db.prepare('SELECT * FROM runs ORDER BY id').all() as Array<Record<string, unknown>>;
      expect(runs.map((run) => run.id)).toEqual([1, 2, 3]);
      expect(runs[0]).toMatchObject({ verdict: 'PASSED', executed: 2, passed: 2, failed: 0, total: 2 });
      expect(runs[2]).toMatchObject({ verdict: 'FAILED', executed: 2, passed: 1, failed: 1, exit_code: 1 });
      expect(runs[0]!.target).toBe(`ws://127.0.0.1:${port}/ws`);
      const status = (run: number, check: string) =>
        db
          .prepare('SELECT status, duration_ms FROM check_results WHERE run_id = ? AND check_id = ?')
          .get(run, check) as {
          status: string;
          duration_ms: number;
        };
      expect(status(1, 'R-2.2/expired-token-401').status).toBe('passed');
      expect(status(3, 'R-2.2/expired-token-401').status).toBe('failed');
      expect(status(3, 'R-2.2/no-token-401').status).toBe('passed');
      expect(status(1, 'R-2.2/no-token-401').duration_ms).toBeGreaterThanOrEqual(0);
      const alerts = db
        .prepare("SELECT * FROM alerts WHERE kind = 'pass_to_fail' AND check_id = 'R-2.2/expired-token-401'")
        .all() as Array<Record<string, unknown>>;
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ webhook: 'sent' });
      const everything = JSON.stringify(db.prepare('SELECT * FROM alerts').all());
      for (const secret of [...WEBHOOK_SECRETS, SECRET]) expect(everything).not.toContain(secret);
    } finally {
      db.close();
    }
  });

  it('the target stops answering: the run is recorded as not checked and the executed drop alerts', async () => {
    const receiver = await webhookReceiver();
    const backend = await serve(['--port', '0', '--jwt-secret', SECRET, '--log-level', 'error'], {});
    const file = join(dir, 'down.sqlite');
    const monitor = start([
      'monitor',
      '--every',
      '2s',
      '--runs',
      '2',
      '--target',
      backend.wsUrl,
      '--jwt-secret',
      SECRET,
      '--checks',
      CHECKS,
      '--history',
      file,
      '--webhook',
      `http://127.0.0.1:${receiver.port}/`,
    ]);
    try {
      await monitor.waitFor(/^run 1 at .*: passed, 2 passed/m);
      await backend.stop();
      const { code } = await monitor.exited;
      expect(code, monitor.stderr()).toBe(0);
    } finally {
      kill(monitor.child);
      await backend.stop();
      await new Promise((resolve) => receiver.server.close(resolve));
    }
    expect(monitor.stderr()).toMatch(/^run 2 at .*: not_checked, 0 passed, 0 failed, 2 not executed/m);
    expect(monitor.stderr()).toMatch(/^ALERT run 2: 0 checks executed, 2 in run 1: 2 fewer$/m);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body.alerts).toEqual([
      expect.objectContaining({ kind: 'executed_drop', previous_executed: 2, executed: 0, previous_run: 1 }),
    ]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT verdict, executed, skipped FROM runs WHERE id = 2').get()).toEqual({
        verdict: 'NOT_CHECKED',
        executed: 0,
        skipped: 2,
      });
    } finally {
      db.close();
    }
  });

  it('monitor report: trend charts and the changed-checks table in Chromium, no request leaves the page', async () => {
    const out = join(dir, 'monitor.html');
    const result = await cli(['monitor', 'report', '--history', history(), '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^wrote .*monitor\.html: 3 runs, \d+ status changes, \d+ alerts/m);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(out).href);
      await expect(page.locator('#summary').textContent()).resolves.toMatch(
        /^3 runs from .* last run 3: FAILED/,
      );
      for (const chart of ['pass-rate', 'executed', 'duration']) {
        const svg = page.locator(`[data-chart="${chart}"] svg`);
        expect(await svg.isVisible(), chart).toBe(true);
        expect(await page.locator(`[data-chart="${chart}"] circle`).count(), chart).toBe(3);
        const d = await page.locator(`[data-chart="${chart}"] path.line`).first().getAttribute('d');
        expect(d?.split('L').length, chart).toBe(3);
      }
      // Pass rate 100% in run 1, 50% in run 3: the last dot sits lower (larger y).
      const ys = await page
        .locator('[data-chart="pass-rate"] circle')
        .evaluateAll((circles) => circles.map((circle) => Number(circle.getAttribute('cy'))));
      expect(ys[2]).toBeGreaterThan(ys[0]!);
      const changes = page.locator('#changes tbody tr');
      expect(await page.locator('#changes').isVisible()).toBe(true);
      const rows = await changes.allTextContents();
      expect(
        rows.some((row) => /R-2\.2\/expired-token-401passedfailed/.test(row)),
        rows.join('\n'),
      ).toBe(true);
      expect(await page.locator('#alerts').textContent()).toContain('sent');
      expect(errors).toEqual([]);
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('Ctrl+C mid-run: the run in flight is aborted, recorded runs stay, exit 130, no stack trace', async () => {
    const file = join(dir, 'interrupted.sqlite');
    // R-2.4/expiry-closes-4401 waits about 3 s for a token to expire: the second run is surely in flight.
    const monitor = start([
      'monitor',
      '--every',
      '1s',
      '--checks',
      'R-2.2/no-token-401,R-2.4/expiry-closes-4401',
      '--history',
      file,
    ]);
    try {
      await monitor.waitFor(/^run 1 at .*: passed, 2 passed/m);
      // Run 1 took longer than --every 1s, so run 2 starts at the next whole tick, within a second
      // of run 1's end, and lasts about 3 s: two seconds after run 1's line it is in flight.
      await monitor.waitFor(/^run 1 took \d+ ms, longer than --every 1s: \d+ ticks? skipped/m);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      monitor.child.kill('SIGINT');
      const { code } = await monitor.exited;
      expect(code, monitor.stderr()).toBe(130);
    } finally {
      kill(monitor.child);
    }
    const stderr = monitor.stderr();
    expect(stderr).toContain('agentwire: interrupted: stopping the monitor');
    expect(stderr).toMatch(/the run in flight was interrupted after \d+ ms: not recorded/);
    expect(stderr).toMatch(/monitor: stopped after 1 recorded run /);
    expect(stderr).not.toMatch(STACK_LINE);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
      expect(db.prepare('SELECT count(*) FROM check_results WHERE run_id = 1').pluck().get()).toBe(2);
    } finally {
      db.close();
    }
  });

  it('usage errors exit 64 naming the fix; a corrupt or foreign history is refused and left as it was', async () => {
    const bad = await cli(['monitor', '--every', '5x', '--history', join(dir, 'x.sqlite')]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain(
      '--every takes a number with a unit (ms, s, m or h), e.g. 30s, 5m or 1h; got "5x"',
    );
    const tooFast = await cli(['monitor', '--every', '100ms', '--history', join(dir, 'x.sqlite')]);
    expect(tooFast.code).toBe(64);
    expect(tooFast.stderr).toContain('--every must be from 1s to 24h');
    const noEvery = await cli(['monitor', '--history', join(dir, 'x.sqlite')]);
    expect(noEvery.code).toBe(64);
    expect(noEvery.stderr).toContain('monitor needs --every');
    const noHistory = await cli(['monitor', '--every', '5m']);
    expect(noHistory.code).toBe(64);
    expect(noHistory.stderr).toContain('monitor needs --history FILE.sqlite');
    const badWebhook = await cli([
      'monitor',
      '--every',
      '5m',
      '--history',
      join(dir, 'x.sqlite'),
      '--webhook',
      'ftp://u:pw-secret-9@h/x',
    ]);
    expect(badWebhook.code).toBe(64);
    expect(badWebhook.stderr).toContain('--webhook must be an http:// or https:// URL');
    expect(badWebhook.stderr).not.toContain('pw-secret-9');
    expect(existsSync(join(dir, 'x.sqlite'))).toBe(false);

    const corrupt = join(dir, 'corrupt.sqlite');
    const garbage =
      'this is not a database, just text that is long enough to have a header of sorts\n'.repeat(20);
    await writeFile(corrupt, garbage);
    for (const args of [
      ['monitor', '--every', '5m', '--runs', '1', '--checks', 'R-2.2/no-token-401', '--history', corrupt],
      ['monitor', 'report', '--history', corrupt, '--out', join(dir, 'never.html')],
    ]) {
      const refused = await cli(args);
      expect(refused.code, refused.stderr).toBe(64);
      expect(refused.stderr).toMatch(
        /--history .*corrupt\.sqlite is not a readable SQLite database .*give a new file name/,
      );
      expect(refused.stderr).not.toMatch(STACK_LINE);
    }
    expect(existsSync(join(dir, 'never.html'))).toBe(false);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(corrupt, 'utf8')).toBe(garbage);

    const foreign = join(dir, 'foreign.sqlite');
    const db = new Database(foreign);
    db.exec('CREATE TABLE invoices (id INTEGER)');
    db.close();
    const notOurs = await cli(['monitor', 'report', '--history', foreign]);
    expect(notOurs.code).toBe(64);
    expect(notOurs.stderr).toContain('is a SQLite database but not a monitor history (its tables: invoices)');

    const newer = join(dir, 'newer.sqlite');
    const future = new Database(newer);
    future.exec(
      "CREATE TABLE monitor_schema (version INTEGER, created_at TEXT, created_by TEXT); INSERT INTO monitor_schema VALUES (99, '', '')",
    );
    future.close();
    const tooNew = await cli(['monitor', 'report', '--history', newer]);
    expect(tooNew.code).toBe(64);
    expect(tooNew.stderr).toContain('has schema version 99, and this agentwire reads version 1');

    // Nothing to monitor: the only tier names a backend that does not answer.
    const config = join(dir, 'unreachable.json');
    await writeFile(
      config,
      JSON.stringify({ services: { backend: { staging: { wsUrl: 'ws://127.0.0.1:9/ws' } } } }),
    );
    const nothing = await cli([
      'monitor',
      '--every',
      '5s',
      '--history',
      join(dir, 'y.sqlite'),
      '--config',
      config,
    ]);
    expect(nothing.code, nothing.stderr).toBe(2);
    expect(nothing.stderr).toContain('agentwire: nothing to monitor: AW_ENV_NOT_RESOLVED');
    expect(nothing.stderr).not.toMatch(STACK_LINE);

    const missing = await cli(['monitor', 'report', '--history', join(dir, 'nope.sqlite')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('does not exist: name the file "agentwire monitor --history" wrote');
  });
});
