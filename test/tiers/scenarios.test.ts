/**
 * The environment scenarios end to end, with a real Docker engine (.ci/docker-up.sh), real
 * processes and real sockets: docker → docker tier; engine gone → local; local blocked and a
 * staging server up → staging; nothing → exit 2 with every reason; --allow-skip → exit 0.
 */
import { spawn } from 'node:child_process';
import { chmod, chown, readFile, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/tiers/free-port.js';
import { resolveEnvironment } from '../../src/tiers/index.js';
import {
  BUSYBOX_IMAGE,
  buildFixtureCli,
  containersOf,
  ensureBusyboxImage,
  isAlive,
  tempDir,
  uniquePrefix,
  waitFor,
} from './helpers.js';

const DEAD_DOCKER_HOST = 'unix:///tmp/agentwire-no-engine-here.sock';
/** The built CLI (npm test builds it first), for `agentwire run` itself. */
const AGENTWIRE = join(import.meta.dirname, '../../dist/cli.js');
let cli: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const engine = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false });
  if (engine.exitCode !== 0)
    throw new Error(`no Docker engine: run .ci/docker-up.sh first (${engine.stderr.split('\n')[0]})`);
  const [fixture] = await Promise.all([buildFixtureCli(), ensureBusyboxImage()]);
  cli = fixture.file;
  cleanups.push(fixture.remove);
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir.path, name), text);
  return dir.path;
}

function httpdCompose(port: number, extra = ''): string {
  return [
    'version: "3"',
    'services:',
    '  backend:',
    `    image: ${BUSYBOX_IMAGE}`,
    '    network_mode: host',
    `    command: ["busybox", "httpd", "-f", "-p", "127.0.0.1:${port}", "-h", "/www"]`,
    extra,
  ].join('\n');
}

function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; program?: string }) {
  return execa(process.execPath, [options.program ?? cli, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    reject: false,
    timeout: 90_000,
  });
}

async function startStagingServer(secret: string): Promise<{ wsUrl: string; httpUrl: string; pid: number }> {
  const child = spawn(process.execPath, [cli, 'serve-reference', '--port', '0'], {
    env: { ...process.env, AGENTWIRE_JWT_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolveLine, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolveLine(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`staging server exited with ${code}`)));
  });
  return JSON.parse(line);
}

const backendHttpProbe = [{ type: 'http', path: '/health', jsonField: 'status', jsonEquals: 'ok' }];

/** A project whose backend is a busybox httpd compose service on a free port, with its own prefix. */
async function dockerBackendProject(local?: object) {
  const port = await freePort();
  const prefix = uniquePrefix();
  const dir = await project({
    'compose.yaml': httpdCompose(port),
    'agentwire.config.json': JSON.stringify({
      docker: { projectPrefix: prefix },
      services: { backend: { docker: { port, probes: backendHttpProbe }, ...(local ? { local } : {}) } },
    }),
  });
  return { port, prefix, dir };
}

describe('docker tier (compose v1, real engine)', () => {
  it('docker up → the backend comes from the compose service, probed, then torn down on release', async () => {
    const { port, prefix, dir } = await dockerBackendProject({ provider: { type: 'reference' } });
    const started = performance.now();
    const resolution = await resolveEnvironment({ cwd: dir, env: process.env });
    const readyMs = performance.now() - started;
    try {
      expect(resolution.status, JSON.stringify(resolution.decisions, null, 1)).toBe('resolved');
      if (resolution.status !== 'resolved') return;
      expect(resolution.services.backend?.tier).toBe('docker');
      expect(resolution.variables.AGENTWIRE_HTTP_URL).toBe(`http://127.0.0.1:${port}`);
      expect(resolution.variables.TEST_MODE).toBe('docker_local');
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(await containersOf(prefix)).toHaveLength(1);
      const probe = resolution.decisions.find((d) => d.type === 'probe');
      expect(probe?.type === 'probe' && probe.result.ok).toBe(true);
      console.log(`docker tier ready in ${Math.round(readyMs)} ms`);
    } finally {
      await resolution.release();
    }
    expect(await containersOf(prefix)).toEqual([]);
  });

  it('a failing compose service: the error carries its last log lines, and the local tier takes over', async () => {
    const prefix = uniquePrefix();
    const port = await freePort();
    const compose = [
      'version: "3"',
      'services:',
      '  backend:',
      `    image: ${BUSYBOX_IMAGE}`,
      '    network_mode: host',
      '    command: ["sh", "-c", "echo starting; echo boom: database unreachable; exit 3"]',
    ].join('\n');
    const dir = await project({
      'compose.yaml': compose,
      'agentwire.config.yaml': [
        `docker: { projectPrefix: ${prefix} }`,
        'services:',
        '  backend:',
        `    docker: { port: ${port}, probes: [{ type: tcp, retries: 3, backoffMs: 200, timeoutMs: 300 }] }`,
        '    local: { provider: { type: reference } }',
      ].join('\n'),
    });
    const resolution = await resolveEnvironment({ cwd: dir, env: process.env });
    try {
      expect(resolution.status).toBe('resolved');
      if (resolution.status !== 'resolved') return;
      expect(resolution.services.backend?.tier).toBe('local');
      const failed = resolution.decisions.find((d) => d.type === 'failed' && d.tier === 'docker');
      expect(failed?.type === 'failed' && failed.logs?.join('\n')).toContain('boom: database unreachable');
      expect(failed?.type === 'failed' && failed.reason).toMatch(/ECONNREFUSED/);
    } finally {
      await resolution.release();
    }
    expect(await containersOf(prefix)).toEqual([]);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`agentwire up killed with ${signal}: no container is left`, async () => {
      const { port, prefix, dir } = await dockerBackendProject();
      const up = spawn(process.execPath, [cli, 'up'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(async () => up.kill('SIGKILL'));
      const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
      const state = await waitFor(
        'state file',
        async () => readFile(join(dir, '.agentwire/state.json'), 'utf8').catch(() => undefined),
        60_000,
      );
      expect(JSON.parse(state).resources[0].kind).toBe('compose');
      expect(await readFile(join(dir, '.agentwire/env'), 'utf8')).toContain(
        `AGENTWIRE_HTTP_URL='http://127.0.0.1:${port}'`,
      );
      expect(await containersOf(prefix)).toHaveLength(1);
      up.kill(signal);
      expect(await exited).toBe(0);
      expect(await containersOf(prefix)).toEqual([]);
    });
  }

  it('up --detach then down: the background environment and its containers are stopped', async () => {
    const { port, prefix, dir } = await dockerBackendProject();
    const up = await runCli(['up', '--detach'], { cwd: dir });
    expect(up.exitCode, up.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(dir, '.agentwire/state.json'), 'utf8'));
    cleanups.push(async () => process.kill(state.pid, 'SIGKILL'));
    expect(isAlive(state.pid)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const down = await runCli(['down'], { cwd: dir });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(isAlive(state.pid)).toBe(false);
    expect(await containersOf(prefix)).toEqual([]);
    const again = await runCli(['down'], { cwd: dir });
    // Nothing up any more is the state `down` is asked for: a no-op, exit 0.
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('nothing to stop');
  });
});

describe('doctor', () => {
  it('doctor sees the engine, compose v1 and who holds the Redis port', async () => {
    const dir = await project({});
    const asRoot = await runCli(['doctor'], { cwd: dir });
    expect(asRoot.exitCode).toBe(0);
    expect(asRoot.stdout).toMatch(/✔ docker engine\s+unix:\/\/\/var\/run\/docker\.sock/);
    expect(asRoot.stdout).toMatch(/✔ docker compose\s+v1 1\./);
    expect(asRoot.stdout).toMatch(/port 6379 .*in use by redis-server/);
  });

  it('an engine socket this user may not open is "permission denied" with the docker-group fix', async () => {
    // Root ignores file modes; without CAP_DAC_OVERRIDE it meets them like any user outside the
    // docker group, while still reading the checkout it owns.
    const dir = await project({});
    const socketPath = join(dir, 'docker.sock');
    const engine = createNetServer(() => {});
    await new Promise<void>((resolveListen) => engine.listen(socketPath, resolveListen));
    cleanups.push(() => new Promise((resolveClose) => engine.close(resolveClose)));
    await chmod(socketPath, 0o600);
    await chown(socketPath, 65534, 65534);
    const result = await execa(
      'setpriv',
      [
        '--bounding-set=-dac_override,-dac_read_search',
        '--inh-caps=-dac_override,-dac_read_search',
        process.execPath,
        cli,
        'doctor',
        '--json',
      ],
      { cwd: dir, reject: false, env: { ...process.env, DOCKER_HOST: `unix://${socketPath}` } },
    );
    const finding = JSON.parse(result.stdout).find((f: { subject: string }) => f.subject === 'docker engine');
    expect(finding.status).toBe('warn');
    expect(finding.detail).toContain('permission-denied: cannot open');
    expect(finding.fix).toContain('docker" group');
  });

  it('an invalid config is an error with its path, and exit 1', async () => {
    const dir = await project({
      'agentwire.config.json': JSON.stringify({ services: { backend: { docker: {} } } }),
    });
    const result = await runCli(['doctor'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('services.backend.docker.port');
    const env = await runCli(['env'], { cwd: dir });
    expect(env.exitCode).toBe(64);
    expect(env.stderr).toContain('services.backend.docker.port: missing (expected number)');
  });
});

describe('fallbacks between tiers', () => {
  it('engine unreachable → local tier in < 2 s, and the decisions say why docker was passed over', async () => {
    const port = await freePort();
    const dir = await project({
      'compose.yaml': httpdCompose(port),
      'agentwire.config.json': JSON.stringify({
        services: { backend: { docker: { port }, local: { provider: { type: 'reference' } } } },
      }),
    });
    const started = performance.now();
    const result = await runCli(['env', '--json'], { cwd: dir, env: { DOCKER_HOST: DEAD_DOCKER_HOST } });
    const elapsed = performance.now() - started;
    expect(result.exitCode, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.services.backend.tier).toBe('local');
    expect(out.variables.AGENTWIRE_WS_URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(out.variables.TEST_MODE).toBe('local');
    const engine = out.decisions.find(
      (d: { type: string; subject?: string }) => d.type === 'detected' && d.subject === 'engine',
    );
    expect(engine.ok).toBe(false);
    expect(engine.detail).toContain('no-engine');
    expect(engine.detail).toContain(DEAD_DOCKER_HOST);
    // The resolution itself, not the process start, which a loaded CI machine stretches; the
    // wall-clock figure is measured by `npm run bench`.
    expect(out.elapsedMs).toBeLessThan(2_000);
    console.log(
      `env --json without an engine: resolution ${out.elapsedMs} ms, ${Math.round(elapsed)} ms with process start`,
    );
  });

  it('local blocked and a staging server (second backend process) up → staging tier, token minted from the named env var', async () => {
    const secret = 'staging-secret-abcdefghijklmnop';
    const staging = await startStagingServer(secret);
    const deadPort = await freePort();
    const dir = await project({
      'agentwire.config.json': JSON.stringify({
        services: {
          backend: {
            local: { wsUrl: `ws://127.0.0.1:${deadPort}/ws` },
            staging: { wsUrl: staging.wsUrl, jwtSecretEnv: 'MY_STAGING_SECRET' },
          },
        },
      }),
    });
    const result = await runCli(['env', '--json'], {
      cwd: dir,
      env: { MY_STAGING_SECRET: secret, DOCKER_HOST: DEAD_DOCKER_HOST },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(secret);
    const out = JSON.parse(result.stdout);
    expect(out.services.backend.tier).toBe('staging');
    expect(out.variables.TEST_WEBSOCKET_URL).toBe(staging.wsUrl);
    expect(out.variables.TEST_MODE).toBe('staging_fallback');
    expect(out.profile).toMatchObject({ name: 'staging', concurrency: 2, spacingMs: 250 });
    const probes = out.decisions.filter(
      (d: { type: string; tier: string }) => d.type === 'probe' && d.tier === 'staging',
    );
    expect(probes.map((d: { result: { detail: string } }) => d.result.detail).join(' ')).toContain(
      'ready (protocol aep.v1)',
    );
    const skippedDocker = out.decisions.find(
      (d: { type: string; tier: string }) => d.type === 'skipped' && d.tier === 'docker',
    );
    expect(skippedDocker.reason).toContain('not configured');

    const reportDir = join(dir, 'report');
    const run = await runCli(['run', '--checks', 'R-3.*,R-4.1/*', '--report-dir', reportDir], {
      cwd: dir,
      env: { MY_STAGING_SECRET: secret, DOCKER_HOST: DEAD_DOCKER_HOST },
      program: AGENTWIRE,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8'));
    expect(report.target).toMatchObject({ ws_url: staging.wsUrl, mode: 'external' });
    expect(report.environment.services.backend.tier).toBe('staging');
    expect(report.settings).toMatchObject({
      execution_profile: 'staging',
      concurrency: 2,
      spacing_ms: 250,
    });
    expect(report.summary.failed).toBe(0);
    expect(report.summary.executed).toBeGreaterThan(3);
    expect(JSON.stringify(report)).not.toContain(secret);
  });

  it('USE_STAGING_FALLBACK + STAGING_WEBSOCKET_URL without a config: staging, and a 401 without a token still proves it up', async () => {
    const staging = await startStagingServer('another-secret-0123456789abcdef');
    const dir = await project({});
    const result = await runCli(['env', '--json', '--tier', 'staging'], {
      cwd: dir,
      env: { USE_STAGING_FALLBACK: 'true', STAGING_WEBSOCKET_URL: staging.wsUrl, STAGING_AUTH_TOKEN: '' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.services.backend.tier).toBe('staging');
    const ws = out.decisions.find(
      (d: { type: string; result?: { probe: string } }) =>
        d.type === 'probe' && d.result?.probe === 'ws aep.v1 ready',
    );
    expect(ws.result.detail).toContain('401 without credentials');
  });

  it('nothing resolves → exit 2 listing every reason; --allow-skip → exit 0 with the same reasons', async () => {
    const deadPort = await freePort();
    const dir = await project({
      'compose.yaml': httpdCompose(deadPort),
      'agentwire.config.json': JSON.stringify({
        services: {
          backend: {
            docker: { port: deadPort },
            local: { wsUrl: `ws://127.0.0.1:${deadPort}/ws` },
            staging: { wsUrl: `ws://127.0.0.1:${deadPort}/ws`, probes: [{ type: 'tcp', retries: 0 }] },
          },
        },
      }),
    });
    const env = { DOCKER_HOST: DEAD_DOCKER_HOST };
    const failed = await runCli(['env', '--json'], { cwd: dir, env });
    expect(failed.exitCode).toBe(2);
    expect(failed.stderr).toContain('AW_ENV_NOT_RESOLVED');
    expect(failed.stderr).toMatch(/backend ← docker: docker no-engine/);
    expect(failed.stderr).toMatch(
      /backend ← local: running backend at ws:\/\/127\.0\.0\.1:\d+\/ws: probe .*ECONNREFUSED/,
    );
    expect(failed.stderr).toMatch(/backend ← staging: staging backend at .*ECONNREFUSED/);
    expect(JSON.parse(failed.stdout).reasons).toHaveLength(3);

    const skipped = await runCli(['env', '--json', '--allow-skip'], { cwd: dir, env });
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stderr).toContain('--allow-skip');
    expect(JSON.parse(skipped.stdout).status).toBe('unresolved');

    const reportDir = join(dir, 'report');
    const run = await runCli(['run', '--report-dir', reportDir], { cwd: dir, env, program: AGENTWIRE });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/backend ← docker: docker no-engine/);
    expect(run.stderr).toMatch(/backend ← staging: staging backend at .*ECONNREFUSED/);
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8'));
    expect(report.summary).toMatchObject({ executed: 0, skipped: report.summary.total });
    expect(report.environment.reasons).toHaveLength(3);
    const allowed = await runCli(['run', '--allow-skip', '--report-dir', reportDir], {
      cwd: dir,
      env,
      program: AGENTWIRE,
    });
    expect(allowed.exitCode).toBe(0);
    const allowedReport = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8'));
    expect(allowedReport.summary.skipped).toBe(allowedReport.summary.total);
    expect(allowedReport.settings.allow_skip).toBe(true);
  });

  it('--require-tier docker with the engine gone → exit 2 naming the required tier; --no-fallback stops after the first tier', async () => {
    const port = await freePort();
    const dir = await project({
      'compose.yaml': httpdCompose(port),
      'agentwire.config.json': JSON.stringify({
        services: { backend: { docker: { port }, local: { provider: { type: 'reference' } } } },
      }),
    });
    const env = { DOCKER_HOST: DEAD_DOCKER_HOST };
    const required = await runCli(['env', '--require-tier', 'docker'], { cwd: dir, env });
    expect(required.exitCode).toBe(2);
    expect(required.stderr).toContain('AW_ENV_REQUIRED_TIER_UNUSED');
    const noFallback = await runCli(['env', '--json', '--no-fallback'], { cwd: dir, env });
    expect(noFallback.exitCode).toBe(2);
    const out = JSON.parse(noFallback.stdout);
    expect(out.order).toEqual(['docker']);
    const local = await runCli(['env', '--json', '--tier', 'local,docker'], { cwd: dir, env });
    expect(JSON.parse(local.stdout).services.backend.tier).toBe('local');
  });
});
