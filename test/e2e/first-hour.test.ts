/** The rough edges a newcomer meets first: pipes, no-op commands, addresses, what `env`/`up` hand over. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLI, cli } from '../support/cli.js';

const exec = promisify(execFile);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aw-first-hour-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** `agentwire ARGS | head -n 1`, and agentwire's own exit code. */
async function piped(args: string): Promise<{ code: number; stderr: string; firstLine: string }> {
  const { stdout, stderr } = await exec('bash', [
    '-c',
    `node ${CLI} ${args} | head -n 1; echo "agentwire-exit=\${PIPESTATUS[0]}"`,
  ]);
  const code = Number(/agentwire-exit=(\d+)/.exec(stdout)?.[1]);
  return { code, stderr, firstLine: stdout.split('\n')[0] ?? '' };
}

describe('a newcomer at the terminal', () => {
  it('`faults | head` and `doctor | head` end with exit 0 and no EPIPE stack', async () => {
    for (const command of ['faults', 'doctor']) {
      const result = await piped(command);
      expect(result.firstLine.length, command).toBeGreaterThan(0);
      expect(result.stderr, command).not.toMatch(/EPIPE|at .*\(node:/);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
    }
  });

  it('`run --concurrency 0` and `run --report-dir ""` are usage errors naming the fix', async () => {
    const zero = await cli(['run', '--concurrency', '0']);
    expect(zero.code, zero.stderr).toBe(64);
    expect(zero.stderr).toContain('--concurrency takes a whole number from 1 to 1000, got "0"');
    const empty = await cli(['run', '--report-dir', '']);
    expect(empty.code, empty.stderr).toBe(64);
    expect(empty.stderr).toContain('--report-dir cannot be empty: name a directory');
  });

  it('`down` with nothing up is a no-op with exit 0', async () => {
    const result = await cli(['down', '--config', join(dir, 'agentwire.config.json')]);
    // --config names a file that does not exist; down looks for state beside it and finds none.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('nothing to stop');
  });

  it('`serve --host` with any unusable address is the same usage error', async () => {
    for (const host of ['10.255.255.254', '999.1.1.1', 'no-such-host.invalid']) {
      const result = await cli(['serve', '--host', host, '--port', '0']);
      expect(result.code, `${host}: ${result.stderr}`).toBe(64);
      expect(result.stderr.trim()).toBe(
        `agentwire: cannot listen on ${host}: use an address of this machine`,
      );
    }
  });

  it('`serve` lists the AG-UI endpoint in its banner', async () => {
    const { serve } = await import('../support/cli.js');
    const backend = await serve(['--port', '0'], {});
    try {
      expect(backend.output()).toMatch(/ag-ui\s+http:\/\/127\.0\.0\.1:\d+\/agent/);
    } finally {
      await backend.stop();
    }
  });

  it('`env` names the config in use, warns about a second one beside it, and says its services are stopped', async () => {
    await writeFile(
      join(dir, 'agentwire.config.json'),
      JSON.stringify({ services: { backend: { local: { provider: { type: 'reference' } } } } }),
    );
    await writeFile(join(dir, 'agentwire.config.yaml'), 'services:\n  redis: {}\n');
    const { stdout, stderr } = await exec(process.execPath, [CLI, 'env'], { cwd: dir });
    expect(stderr).toContain(`config: ${join(dir, 'agentwire.config.json')}`);
    expect(stderr).toMatch(/warning: agentwire\.config\.yaml beside it is ignored/);
    expect(stdout).toContain('# these services were stopped when "agentwire env" ended');
    expect(stdout).not.toContain('AGENTWIRE_JWT_SECRET');
    const json = JSON.parse((await exec(process.execPath, [CLI, 'env', '--json'], { cwd: dir })).stdout);
    expect(json.stopped_on_exit).toBe(true);
  });

  it("`up`'s env file carries the secret a test runner needs; what it prints does not", async () => {
    const up = await exec(process.execPath, [CLI, 'up', '--detach'], { cwd: dir });
    try {
      const envFile = await readFile(join(dir, '.agentwire', 'env'), 'utf8');
      const secret = /AGENTWIRE_JWT_SECRET='([^']+)'/.exec(envFile)?.[1];
      expect(secret?.length, envFile).toBeGreaterThanOrEqual(32);
      expect(up.stdout + up.stderr).not.toContain(secret);
    } finally {
      await exec(process.execPath, [CLI, 'down'], { cwd: dir });
    }
  });

  it('`serve` pretty-prints its logs on a terminal and writes JSON lines when piped', async () => {
    // `script` gives the child a real pseudo-terminal; a refused handshake makes one log line.
    const onTerminal = await loggingServe('script', ['-qfec', `node ${CLI} serve --port 0`, '/dev/null']);
    expect(onTerminal).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*refused handshake/);
    expect(onTerminal).not.toContain('"msg":');
    const piped = await loggingServe(process.execPath, [CLI, 'serve', '--port', '0']);
    expect(piped).toMatch(/^\{.*"msg":"refused handshake"/m);
  });

  it('with --target, checks that start instances of their own are left out and listed; --checks can still ask for them', async () => {
    const { serve } = await import('../support/cli.js');
    const backend = await serve(['--port', '0', '--jwt-secret', 'own-instances'], {});
    try {
      const base = ['run', '--target', backend.wsUrl, '--jwt-secret', 'own-instances', '--report-dir', dir];
      // No --checks: the whole suite, less what needs instances of its own.
      const byDefault = await cli(base);
      expect(byDefault.code, byDefault.stdout).toBe(0);
      expect(byDefault.stdout).toMatch(
        /left out \(they start instances of their own; ask with --checks\): .*R-6\.4\/graceful-drain.*R-6\.5\/crashed-instance-runs-end/,
      );
      const ids = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')).checks.map(
        (c: { id: string }) => c.id,
      );
      expect(ids).not.toContain('R-6.4/graceful-drain');
      const asked = await cli([...base, '--checks', 'R-6.4/graceful-drain']);
      const checks = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')).checks;
      expect(checks.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
        ['R-6.4/graceful-drain', 'unsupported'],
      ]);
      expect(asked.stdout).toContain('unsupported: R-6.4/graceful-drain');
    } finally {
      await backend.stop();
    }
  });

  it('`run --list` lists what a run would get: per profile, and without own-instance checks against a target', async () => {
    const { CHECK_CATALOGUE } = await import('../../src/checks/catalogue.js');
    const { AEP_CHECKS, AG_UI_CHECKS } = await import('../../src/checks/index.js');
    const idsOf = async (args: string[]) => {
      const result = await cli(['run', '--list', '--json', ...args]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout).map((check: { id: string }) => check.id);
    };
    expect(await idsOf([])).toEqual(AEP_CHECKS.map((check) => check.id));
    expect(await idsOf(['--profile', 'ag-ui'])).toEqual(AG_UI_CHECKS.map((check) => check.id));
    const againstTarget = await idsOf(['--target', 'ws://127.0.0.1:9/ws']);
    expect(againstTarget).toEqual(
      CHECK_CATALOGUE.aep.filter((check) => !check.needsOwnInstances).map((check) => check.id),
    );
    expect(againstTarget.length).toBeLessThan(AEP_CHECKS.length);
    expect(await idsOf(['--checks', 'r-5.1'])).toEqual(
      AEP_CHECKS.filter((check) => check.id.startsWith('R-5.1/')).map((check) => check.id),
    );
    const text = await cli(['run', '--list', '--checks', 'R-1.1/*']);
    expect(text.stdout).toMatch(/^R-1\.1\/subprotocol-selected\s+The server selects aep\.v1 .*\(R-1\.1\)$/m);
    expect(text.stdout).toMatch(/\n\d+ checks covering 1 rules\n$/);
    const bogus = await cli(['run', '--list', '--profile', 'bogus']);
    expect(bogus.code).toBe(64);
    expect(bogus.stderr).toContain('unknown --profile "bogus": use aep or ag-ui');
  });

  it('`run --list` with a --checks that matches nothing exits 64 like `run` does', async () => {
    for (const args of [
      ['run', '--list', '--checks', 'no-such-rule/*'],
      ['run', '--checks', 'no-such-rule/*'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stderr).toContain('--checks "no-such-rule/*" matches no check: see agentwire run --list');
      expect(result.stdout).toBe('');
    }
  });
});

/**
 * Starts `agentwire serve` through COMMAND, makes it refuse one handshake (no token), and
 * returns everything it printed once it has logged that refusal.
 */
async function loggingServe(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  try {
    await expect.poll(() => output, { timeout: 15_000 }).toMatch(/websocket\s+ws:\/\/\S+/);
    const url = /websocket\s+(ws:\/\/\S+)/.exec(output)?.[1] ?? '';
    const socket = new WebSocket(url);
    await new Promise<void>((resolve) => {
      socket.once('unexpected-response', () => resolve());
      socket.once('error', () => resolve());
    });
    socket.terminate();
    await expect.poll(() => output, { timeout: 10_000 }).toContain('refused handshake');
    return output;
  } finally {
    // The whole process group: `script` and the serve process under it.
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }
}
