import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startServer } from '../../src/server/index.js';
import { cli } from '../support/cli.js';

describe('agentwire run (built CLI)', () => {
  it('passes every check against the embedded backend and writes both reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-e2e-'));
    const result = await cli(['run', '--report-dir', dir, '--min-executed', '25']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report.summary.failed).toBe(0);
    expect(report.summary.executed).toBeGreaterThanOrEqual(25);
    expect(report.summary.executed).toBe(
      report.checks.filter((c: { status: string }) => c.status === 'passed').length,
    );
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain(`tests="${report.summary.total}"`);
    expect(JSON.stringify(report)).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./);
    expect(report.target.mode).toBe('embedded');
    expect(report.environment).toMatchObject({
      status: 'resolved',
      services: { backend: { tier: 'local' } },
    });
    expect(report.environment.decisions.map((d: { type: string }) => d.type)).toContain('chosen');
    expect(report.settings).toMatchObject({ execution_profile: 'local', allow_skip: false });
    expect(result.stderr).toMatch(/local\s+✔\s+backend: using reference backend in-process/);
  });

  it('no environment resolves: every check is skipped with the reason, exit 2; --allow-skip exits 0 and still counts them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-e2e-'));
    const refused = await cli(['run', '--tier', 'docker', '--report-dir', dir]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('AW_ENV_NOT_RESOLVED');
    expect(refused.stderr).toContain('backend ← docker: not configured');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report.summary.executed).toBe(0);
    expect(report.summary.skipped).toBe(report.summary.total);
    expect(report.summary.total).toBeGreaterThan(60);
    expect(
      report.checks.every((c: { reason: string }) => c.reason.includes('no tier could provide backend')),
    ).toBe(true);
    expect(report.environment.status).toBe('unresolved');
    expect(report.target.mode).toBe('none');

    const allowed = await cli(['run', '--tier', 'docker', '--allow-skip', '--report-dir', dir]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(new RegExp(`0 executed .*, ${report.summary.total} skipped`));
    expect(allowed.stdout).toContain('not checked: AW_ENV_NOT_RESOLVED');
    expect(allowed.stderr).toContain('--allow-skip: exiting 0 although none of');
  });

  it('exits 2 with a clear line when the target is unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-e2e-'));
    const result = await cli([
      'run',
      '--target',
      'ws://127.0.0.1:1/ws',
      '--jwt-secret',
      'x',
      '--report-dir',
      dir,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is unreachable (connection refused');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report.summary.executed).toBe(0);
    expect(report.summary.skipped).toBe(report.summary.total);
  });

  it('exits 64 on bad input, without a stack trace or a report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-e2e-'));
    for (const args of [
      ['run', '--target', 'http://127.0.0.1:1/ws', '--jwt-secret', 'x'],
      ['run', '--target', 'ws://127.0.0.1:1/ws'],
      ['run', '--no-such-flag'],
      ['run', '--report-dir', '/proc/agentwire-nope'],
    ]) {
      const result = await cli([...args, ...(args.includes('--report-dir') ? [] : ['--report-dir', dir])]);
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stderr).toMatch(/^agentwire: /);
      expect(result.stderr).not.toContain('    at ');
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails checks against a broken server that ignores the protocol', async () => {
    const secret = 'broken-secret';
    const http = createServer((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'),
    );
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    // Accepts every token, echoes the bearer subprotocol and never answers frames.
    wss.on('connection', (socket) => {
      socket.send(
        JSON.stringify({
          type: 'ready',
          protocol: 'aep.v1',
          session_id: 's1',
          user_id: 'u',
          server: { name: 'b', version: '1' },
          capabilities: [],
          limits: { max_frame_bytes: 65536, max_inflight_runs: 4, expiry_grace_ms: 5000 },
        }),
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    const dir = await mkdtemp(join(tmpdir(), 'aw-e2e-'));
    try {
      const result = await cli([
        'run',
        '--target',
        `ws://127.0.0.1:${port}/ws`,
        '--jwt-secret',
        secret,
        '--report-dir',
        dir,
        '--checks',
        'R-2.2/*,§4/*',
        '--timeout',
        '3000',
      ]);
      expect(result.code).toBe(1);
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
      const byId = Object.fromEntries(
        report.checks.map((c: { id: string; status: string }) => [c.id, c.status]),
      );
      expect(byId['R-2.2/expired-token-401']).toBe('failed');
      expect(byId['R-2.2/alg-none-401']).toBe('failed');
      expect(byId['§4/ping-pong']).toBe('failed');
      expect(result.stdout).toContain('Failed checks');
    } finally {
      wss.close();
      http.close();
    }
  });
});

describe('the gate: a run that checked less than asked', () => {
  it('--max-unsupported and --require exit 2 naming the checks that did not execute; a --require matching nothing is a usage error', async () => {
    const secret = 'gate-secret-0123456789abcdefghij';
    // No allowed Origin: the Origin checks cannot run, and against --target neither can the drains.
    const server = await startServer({ jwtSecret: secret, logLevel: 'silent' });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'aw-gate-'));
      const base = ['run', '--target', server.wsUrl, '--jwt-secret', secret, '--report-dir', dir];
      const plain = await cli([...base, '--checks', 'R-1.*,R-2.3/*']);
      expect(plain.code, plain.stderr).toBe(0);

      const strict = await cli([...base, '--checks', 'R-1.*,R-2.3/*', '--max-unsupported', '0']);
      expect(strict.code).toBe(2);
      expect(strict.stderr).toMatch(
        /4 checks unsupported, more than --max-unsupported 0: R-2\.3\/\S+ \(unsupported: no allowed Origin/,
      );
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
      expect(report.settings.max_unsupported).toBe(0);
      expect(report.problem).toMatch(/more than --max-unsupported 0/);

      const required = await cli([...base, '--checks', 'R-1.*,R-2.3/*,R-6.4/*', '--require', 'R-6.4/*']);
      expect(required.code).toBe(2);
      expect(required.stderr).toMatch(
        /2 required check\(s\) not executed \(--require\): R-6\.4\/graceful-drain \(unsupported: needs an instance it may shut down/,
      );

      const nothing = await cli([...base, '--require', 'R-9.*']);
      expect(nothing.code).toBe(64);
      expect(nothing.stderr).toContain('--require "R-9.*" matches none of the selected checks');
    } finally {
      await server.close();
    }
  });
});
