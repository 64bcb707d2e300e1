/**
 * The monitor loop in-process (runMonitor over runSuite, the embedded reference backend, a real
 * SQLite file, real HTTP webhooks): webhooks that refuse, answer 500 or never answer are
 * reported and the monitor goes on, with no part of the URL but its origin in what it prints or
 * stores; one history carried over several sessions keeps numbering and comparing; runs never
 * overlap; a hostile check reason stays text in the history page.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DURATION_THRESHOLDS,
  History,
  parseWebhookUrl,
  renderMonitorHtml,
  runMonitor,
} from '../../src/monitor/index.js';
import { acquireTarget, planRun } from '../../src/suite/index.js';

const CHECKS = 'R-2.2/expired-token-401,R-2.2/no-token-401';
const SECRETS = ['pass-word-77', 'path-token-88', 'query-token-99'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentwire-monitor-loop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** One monitor session of `runs` runs against the embedded backend (with `faults`), into `file`. */
async function session(file: string, faults: string[], webhookUrl?: string, runs = 1) {
  const plan = planRun({ checks: CHECKS, faults, seed: 1, cwd: dir, env: {} });
  const history = History.open(file, 'write');
  const lines: string[] = [];
  try {
    await using target = await acquireTarget(plan, { watchProcess: false });
    const result = await runMonitor(plan, target, {
      intervalMs: 1000,
      runs,
      history,
      ...(webhookUrl ? { webhook: parseWebhookUrl(webhookUrl), webhookTimeoutMs: 1500 } : {}),
      durations: DEFAULT_DURATION_THRESHOLDS,
      signal: new AbortController().signal,
      log: (line) => lines.push(line),
      targetLabel: 'embedded',
    });
    return { result, lines };
  } finally {
    history.close();
  }
}

describe('monitor loop', { timeout: 120_000 }, () => {
  it('refused, 500 and silent webhooks are reported, the monitor goes on, and no secret is printed or stored', async () => {
    const file = join(dir, 'webhooks.sqlite');
    const failing = await listen((_, response) => response.writeHead(500).end('boom'));
    // Accepts the request and never answers.
    const silent = await listen(() => {});
    const closed = await listen(() => {});
    await new Promise((resolve) => closed.server.close(resolve));
    const url = (port: number) =>
      `http://bot:${SECRETS[0]}@127.0.0.1:${port}/hooks/${SECRETS[1]}?token=${SECRETS[2]}`;
    try {
      const outcomes: string[] = [];
      for (const port of [closed.port, failing.port, silent.port]) {
        // A clean run, then a run where R-2.2/expired-token-401 fails: one alert per pair.
        const clean = await session(file, []);
        expect(clean.result).toMatchObject({ recorded: 1, alerts: 0, interrupted: false });
        const faulty = await session(file, ['accept-expired'], url(port));
        expect(faulty.result).toMatchObject({ recorded: 1, alerts: 1, interrupted: false });
        const text = faulty.lines.join('\n');
        expect(text).toMatch(/^ALERT run \d+: R-2\.2\/expired-token-401 passed in run \d+ and fails now/m);
        const failure = faulty.lines.find((line) => line.startsWith('webhook failed: '));
        expect(failure, text).toBeDefined();
        expect(failure).toContain(`(http://127.0.0.1:${port})`);
        expect(failure).toContain('the alerts are in the history');
        outcomes.push(failure!);
        for (const secret of SECRETS) expect(text).not.toContain(secret);
      }
      expect(outcomes[0]).toMatch(/ECONNREFUSED/);
      expect(outcomes[1]).toMatch(/HTTP 500/);
      expect(outcomes[2]).toMatch(/no answer within 1\.5 s/);

      const history = History.open(file, 'read');
      try {
        const runs = history.allRuns();
        // Six sessions, one history: numbered on, each compared with the last run before it.
        expect(runs.map((run) => run.id)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(runs.map((run) => run.verdict)).toEqual([
          'PASSED',
          'FAILED',
          'PASSED',
          'FAILED',
          'PASSED',
          'FAILED',
        ]);
        const alerts = runs.flatMap((run) => run.alerts);
        expect(alerts.map((alert) => [alert.runId, alert.kind, alert.check])).toEqual([
          [2, 'pass_to_fail', 'R-2.2/expired-token-401'],
          [4, 'pass_to_fail', 'R-2.2/expired-token-401'],
          [6, 'pass_to_fail', 'R-2.2/expired-token-401'],
        ]);
        expect(alerts.map((alert) => alert.webhook)).toEqual([
          expect.stringMatching(/^failed: ECONNREFUSED/),
          expect.stringMatching(/^failed: HTTP 500/),
          expect.stringMatching(/^failed: no answer/),
        ]);
        for (const secret of SECRETS) expect(JSON.stringify(runs)).not.toContain(secret);
      } finally {
        history.close();
      }
    } finally {
      silent.server.closeAllConnections();
      await new Promise((resolve) => silent.server.close(resolve));
      await new Promise((resolve) => failing.server.close(resolve));
    }
  });

  it('a run longer than --every is never overlapped: the next starts at the first tick after it ends', async () => {
    const file = join(dir, 'slow.sqlite');
    // About 3 s each against a 1 s interval.
    const plan = planRun({ checks: 'R-2.4/expiry-closes-4401', seed: 1, cwd: dir, env: {} });
    const history = History.open(file, 'write');
    const lines: string[] = [];
    try {
      await using target = await acquireTarget(plan, { watchProcess: false });
      await runMonitor(plan, target, {
        intervalMs: 1000,
        runs: 2,
        history,
        durations: DEFAULT_DURATION_THRESHOLDS,
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        targetLabel: 'embedded',
      });
      const runs = history.allRuns();
      expect(runs).toHaveLength(2);
      const gap = Date.parse(runs[1]!.startedAt) - Date.parse(runs[0]!.startedAt);
      expect(gap).toBeGreaterThanOrEqual(runs[0]!.durationMs);
      // …at the first tick after run 1 ended, not a later one (timer slack allowed).
      expect(gap, String(gap)).toBeLessThan(runs[0]!.durationMs + 1000 + 500);
      expect(lines.join('\n')).toMatch(
        /^run 1 took \d+ ms, longer than --every 1s: [1-9]\d* ticks? skipped$/m,
      );
    } finally {
      history.close();
    }
  });

  it('the history page shows a hostile reason as text', () => {
    const markup = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const run = (id: number, status: 'passed' | 'failed', reason?: string) => ({
      id,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, id)).toISOString(),
      durationMs: 100,
      verdict: status === 'passed' ? ('PASSED' as const) : ('FAILED' as const),
      exitCode: status === 'passed' ? 0 : 1,
      target: 'ws://x/ws',
      summary: {
        total: 1,
        executed: 1,
        passed: status === 'passed' ? 1 : 0,
        failed: status === 'failed' ? 1 : 0,
        skipped: 0,
        unsupported: 0,
      },
      checks: [{ id: 'c', status, durationMs: 5, ...(reason ? { reason } : {}) }],
      alerts: [],
    });
    const html = renderMonitorHtml([run(1, 'passed'), run(2, 'failed', markup)], 'h.sqlite');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });
});
