/**
 * Targets that are not what they seem, and what the run says about them: a WebSocket server that
 * is not AEP/1, a target that dies mid-run, an AG-UI endpoint that wants a token, and an Origin
 * asked for without a target. Also what the terminal summary ends with.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CLI, cli, serve } from '../support/cli.js';

let dir: string;
const servers: Server[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aw-odd-target-'));
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await rm(dir, { recursive: true, force: true });
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

interface ReportCheck {
  id: string;
  status: string;
}
async function readReport(): Promise<{ verdict: string; exit_code: number; checks: ReportCheck[] }> {
  return JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
}

describe('targets that are not what they seem', () => {
  it('a WebSocket server that is not AEP/1 stops the run after the preflight with one error, exit 2', async () => {
    const http = createServer((_, res) => res.writeHead(200).end('ok'));
    // Upgrades and echoes every frame back, but never sends `ready`.
    new WebSocketServer({ server: http }).on('connection', (socket) =>
      socket.on('message', (data) => socket.send(data)),
    );
    const port = await listen(http);
    const result = await cli([
      'run',
      '--target',
      `ws://127.0.0.1:${port}/ws`,
      '--jwt-secret',
      'x',
      '--report-dir',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('it is not an AEP/1 server (check the URL and path of --target)');
    // One error, not one failure per check.
    expect(result.stdout).not.toContain('Failed checks');
    expect(result.stderr).not.toMatch(/^\[\s*\d+\/\d+\]/m);
    const report = await readReport();
    expect(report.exit_code).toBe(2);
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report.checks.filter((c) => c.status === 'passed')).toEqual([]);
  });

  it('a target that dies mid-run is named once, with how many checks could not connect', async () => {
    const backend = await serve(['--port', '0', '--jwt-secret', 'dying-secret'], {});
    const run = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--target',
        backend.wsUrl,
        '--jwt-secret',
        'dying-secret',
        '--report-dir',
        dir,
        '--concurrency',
        '2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let killed = false;
    run.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    run.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      // Crash the backend once a handful of checks have finished, with most still to come.
      const finished = stderr.match(/^\[\s*\d+\/\d+\]/gm)?.length ?? 0;
      if (!killed && finished >= 10) {
        killed = true;
        void backend.kill();
      }
    });
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    await backend.kill();
    expect(killed, stderr).toBe(true);
    expect(code, stdout + stderr).toBe(1);
    const lost = [
      ...stdout.matchAll(/the target stopped answering after (\S+); (\d+) checks could not connect/g),
    ];
    expect(lost, stdout).toHaveLength(1);
    const [, after, count] = lost[0] ?? [];
    expect(Number(count)).toBeGreaterThan(10);
    const report = await readReport();
    expect(report.checks.map((c) => c.id)).toContain(after);
    // The checks that could not connect are counted in that one line, not listed one by one.
    const listed = stdout.split('\n').filter((line) => line.startsWith('  ✗ '));
    expect(listed.length).toBeLessThan(Number(count));
    expect(stdout).not.toContain('ECONNREFUSED');
  });

  it('an AG-UI endpoint answering 401 gets an error suggesting the token options', async () => {
    const port = await listen(createServer((_, res) => res.writeHead(401).end('unauthorized')));
    const result = await cli([
      'run',
      '--profile',
      'ag-ui',
      '--target',
      `http://127.0.0.1:${port}/agent`,
      '--report-dir',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/refused the request \(HTTP 401\): it wants a token/);
    expect(result.stderr).toContain('--jwt-secret');
    expect(result.stderr).not.toContain('    at ');
  });

  it('--allowed-origin without --target is passed to the embedded backend, whose Origin checks then pass', async () => {
    const origin = 'https://chat.example.test';
    const result = await cli(['run', '--allowed-origin', origin, '--checks', 'R-2.3/*', '--report-dir', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('pass an Origin it allows');
    const report = await readReport();
    expect(report.checks.map((c) => [c.id, c.status]).sort()).toEqual([
      ['R-2.3/allowed-origin-accepted', 'passed'],
      ['R-2.3/foreign-origin-403', 'passed'],
      ['R-2.3/foreign-origin-403-subprotocol', 'passed'],
      ['R-2.3/origin-matched-exactly', 'passed'],
    ]);
    // Control: the same run against a server allowing another Origin is refused, so the pass above means
    // the embedded backend was started allowing the Origin given.
    const other = await serve(
      ['--port', '0', '--jwt-secret', 'origin-secret', '--allowed-origin', 'http://localhost:3000'],
      {},
    );
    try {
      const control = await cli([
        'run',
        '--target',
        other.wsUrl,
        '--jwt-secret',
        'origin-secret',
        '--allowed-origin',
        origin,
        '--checks',
        'R-2.3/allowed-origin-accepted',
        '--report-dir',
        dir,
      ]);
      expect(control.code, control.stdout).toBe(2);
      expect(control.stdout).toContain('refused our Origin (HTTP 403)');
    } finally {
      await other.stop();
    }
  });
});

describe('the terminal summary', () => {
  it('ends with the verdict, the exit code and the report paths, after the unsupported checks by name', async () => {
    const backend = await serve(['--port', '0', '--jwt-secret', 'summary-secret'], {});
    try {
      // Against a target without --allowed-origin, the Origin checks cannot run: unsupported.
      const result = await cli([
        'run',
        '--target',
        backend.wsUrl,
        '--jwt-secret',
        'summary-secret',
        '--checks',
        'R-2.2/no-token-401,R-2.3/*',
        '--report-dir',
        dir,
      ]);
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.at(-1)).toBe(
        `PASSED · exit 0 · reports: ${join(dir, 'report.json')}, ${join(dir, 'junit.xml')}, ${join(dir, 'report.html')}`,
      );
      expect(lines.at(-2)).toBe(
        '  unsupported: R-2.3/foreign-origin-403, R-2.3/allowed-origin-accepted, R-2.3/origin-matched-exactly, R-2.3/foreign-origin-403-subprotocol',
      );
      const gated = await cli([
        'run',
        '--target',
        backend.wsUrl,
        '--jwt-secret',
        'summary-secret',
        '--checks',
        'R-2.3/*',
        '--max-unsupported',
        '0',
        '--report-dir',
        dir,
      ]);
      expect(gated.code).toBe(2);
      expect(gated.stdout.trimEnd().split('\n').at(-1)).toMatch(/^NOT_CHECKED · exit 2 · reports: /);
    } finally {
      await backend.stop();
    }
  });
});
