/**
 * The local tier with real processes: a user command started on a free port and killed with
 * its whole process group, a native redis-server, embedded Postgres (PGlite) and reuse of the
 * Postgres and Redis already running on this machine.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.js';
import { resolveEnvironment } from '../../src/tiers/index.js';
import { buildFixtureCli, isAlive, tempDir } from './helpers.js';

let cli: string;
let dir: { path: string; remove: () => Promise<void> };
let removeFixture: () => Promise<void>;

beforeAll(async () => {
  const [fixture, temp] = await Promise.all([buildFixtureCli(), tempDir()]);
  cli = fixture.file;
  removeFixture = fixture.remove;
  dir = temp;
}, 60_000);
afterAll(async () => {
  await dir.remove();
  await removeFixture();
});

const configOf = (raw: unknown) => ({
  config: validateConfig(raw),
  path: join(dir.path, 'agentwire.config.json'),
  dir: dir.path,
  shadowed: [],
});

describe('local tier', () => {
  it('a user command gets a free port and the secret, passes its probes, and its process group is gone after release', async () => {
    const marker = join(dir.path, 'child-pid');
    // A shell that spawns node: killing only the shell would orphan node.
    const command = `sh -c 'echo $$ > ${marker}; exec node ${cli} serve-reference --port {port}' & wait`;
    const resolution = await resolveEnvironment({
      config: configOf({ services: { backend: { local: { provider: { type: 'command', command } } } } }),
      env: { ...process.env, AGENTWIRE_JWT_SECRET: 'local-command-secret-0123456789' },
    });
    expect(resolution.status, JSON.stringify(resolution.decisions)).toBe('resolved');
    if (resolution.status !== 'resolved') return;
    const resource = resolution.resources().find((r) => r.kind === 'process');
    expect(resource?.kind).toBe('process');
    const shellPid = resource?.kind === 'process' ? resource.pid : 0;
    const nodePid = Number((await readFile(marker, 'utf8')).trim());
    expect(isAlive(shellPid) && isAlive(nodePid)).toBe(true);
    const backend = resolution.services.backend!;
    expect(backend.source).toMatch(/^command "sh -c/);
    expect(
      resolution.decisions
        .filter((d) => d.type === 'probe')
        .map((d) => d.type === 'probe' && d.result.detail)
        .join(' '),
    ).toContain('ready (protocol aep.v1)');
    await resolution.release();
    expect(isAlive(shellPid)).toBe(false);
    expect(isAlive(nodePid)).toBe(false);
  });

  it('a command that dies early: failure names the exit and shows its last output lines', async () => {
    const resolution = await resolveEnvironment({
      config: configOf({
        services: {
          backend: {
            local: {
              provider: { type: 'command', command: 'echo cannot bind; echo fatal: no config >&2; exit 7' },
            },
          },
        },
      }),
      env: process.env,
      tiers: ['local'],
    });
    expect(resolution.status).toBe('unresolved');
    if (resolution.status !== 'unresolved') return;
    expect(resolution.reasons.join('\n')).toContain('exited with code 7');
    expect(resolution.reasons.join('\n')).toContain('fatal: no config');
  });

  it('native redis-server on a free port answers PING, and is stopped on release', async () => {
    const resolution = await resolveEnvironment({
      config: configOf({ services: { redis: { local: { reuse: false, provider: { type: 'native' } } } } }),
      env: process.env,
    });
    expect(resolution.status, JSON.stringify(resolution.decisions)).toBe('resolved');
    if (resolution.status !== 'resolved') return;
    const url = resolution.variables.REDIS_URL!;
    expect(url).not.toBe('redis://127.0.0.1:6379');
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    expect(await client.set('k', 'v')).toBe('OK');
    client.disconnect();
    const resource = resolution.resources().find((r) => r.kind === 'process');
    const pid = resource?.kind === 'process' ? resource.pid : 0;
    expect(isAlive(pid)).toBe(true);
    await resolution.release();
    expect(isAlive(pid)).toBe(false);
  });

  it('embedded Postgres (PGlite) works with nothing running and serves real SQL', async () => {
    const resolution = await resolveEnvironment({
      config: configOf({
        services: { postgres: { local: { reuse: false, provider: { type: 'embedded' } } } },
      }),
      env: process.env,
    });
    expect(resolution.status, JSON.stringify(resolution.decisions)).toBe('resolved');
    if (resolution.status !== 'resolved') return;
    const sql = postgres(resolution.variables.DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      await sql`create table t (n int)`;
      await sql`insert into t values (41), (1)`;
      expect((await sql`select sum(n)::int as s from t`)[0]?.s).toBe(42);
    } finally {
      await sql.end();
      await resolution.release();
    }
  });

  it('reuses the Postgres and Redis already running on 127.0.0.1 when their probes pass', async () => {
    const resolution = await resolveEnvironment({
      config: configOf({ services: { postgres: { local: {} }, redis: { local: {} } } }),
      env: process.env,
    });
    expect(
      resolution.status,
      `Postgres on :5432 and Redis on :6379 must be running (.ci/run starts them): ${JSON.stringify(resolution)}`,
    ).toBe('resolved');
    if (resolution.status !== 'resolved') return;
    expect(resolution.services.postgres?.source).toContain('(reused)');
    expect(resolution.services.redis?.source).toBe('running redis at redis://127.0.0.1:6379 (reused)');
    expect(resolution.resources()).toEqual([]);
    await resolution.release();
  });

  it('reuse: false with no provider is refused with the reason', async () => {
    await writeFile(
      join(dir.path, 'agentwire.config.json'),
      JSON.stringify({ services: { redis: { local: { reuse: false } } } }),
    );
    const resolution = await resolveEnvironment({ cwd: dir.path, env: process.env });
    expect(resolution.status).toBe('unresolved');
    if (resolution.status !== 'unresolved') return;
    expect(resolution.reasons.join('\n')).toContain('not tried (reuse: false)');
    expect(resolution.reasons.join('\n')).toContain('docker: not configured');
  });
});
