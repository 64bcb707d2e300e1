/**
 * The reference backend in production mode against the machine's real Postgres and Redis:
 * several instances share one event log and one fan-out channel. Each test run uses its own
 * schema and channel and drops the schema afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AEP_CHECKS } from '../../src/checks/index.js';
import { AepConnection, mintToken, newSecret } from '../../src/client/index.js';
import { PROFILES } from '../../src/runner/index.js';
import {
  type ProductionStorage,
  type RunningServer,
  type ServerOptions,
  startCluster,
  startDrainablePair,
  startServer,
} from '../../src/server/index.js';
import { acquireTarget, planRun, runSuite } from '../../src/suite/index.js';
import { CORRECTNESS_THRESHOLDS, cli, serve } from '../support/cli.js';
import { startRoundRobinBalancer } from '../support/round-robin-balancer.js';

const DATABASE_URL = process.env.AGENTWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.AGENTWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const suffix = randomBytes(4).toString('hex');
const production: ProductionStorage = {
  databaseUrl: DATABASE_URL,
  redisUrl: REDIS_URL,
  schema: `aw_test_${suffix}`,
  channel: `agentwire-test:${suffix}`,
};
const ALLOWED_ORIGIN = 'http://localhost:3000';
const options: ServerOptions = {
  jwtSecret: newSecret(),
  logLevel: 'silent',
  allowedOrigins: [ALLOWED_ORIGIN],
  production,
};
const profile = { ...PROFILES.local, scenario: { sessions: 12, runsPerSession: 2, fuzzFrames: 80 } };

async function session(url: string, user: string, label: string): Promise<AepConnection> {
  const token = await mintToken(options.jwtSecret, { sub: user, expiresInS: 300 });
  const connection = await AepConnection.open({ url, token, label });
  await connection.ready();
  return connection;
}

describe('reference backend in production mode (Postgres event log, Redis fan-out)', () => {
  let cluster: RunningServer[] = [];
  beforeAll(async () => {
    try {
      cluster = await startCluster(options, 2);
    } catch (error) {
      throw new Error(
        `production mode needs Postgres at ${DATABASE_URL} and Redis at ${REDIS_URL} ` +
          `(set AGENTWIRE_TEST_DATABASE_URL / AGENTWIRE_TEST_REDIS_URL; .ci/run starts both): ${String(error)}`,
      );
    }
  });
  afterAll(async () => {
    await Promise.all(cluster.map((instance) => instance.close()));
    const sql = postgres(DATABASE_URL, { onnotice: () => {} });
    await sql`DROP SCHEMA IF EXISTS ${sql(`aw_test_${suffix}`)} CASCADE`;
    await sql.end();
  });

  it('passes the whole AEP/1 suite, the drain and the resume on another instance included', async () => {
    const [first] = cluster;
    const plan = {
      ...planRun({
        target: first!.wsUrl,
        jwtSecret: options.jwtSecret,
        allowedOrigin: ALLOWED_ORIGIN,
        checks: '*',
        seed: 7,
      }),
      pace: profile,
    };
    await using target = await acquireTarget(plan, { watchProcess: false });
    const { checks: results } = await runSuite(plan, target, {
      ownInstances: () => startDrainablePair(options),
    });
    expect(results).toHaveLength(AEP_CHECKS.length);
    const notPassed = results.filter((result) => result.status !== 'passed');
    expect(notPassed.map((result) => `${result.id}: ${result.status}: ${result.reason}`)).toEqual([]);
  });

  it('passes the whole AEP/1 suite through a round-robin balancer, each connection on the next instance', async () => {
    const balancer = await startRoundRobinBalancer(cluster);
    try {
      const plan = {
        ...planRun({
          target: balancer.wsUrl,
          jwtSecret: options.jwtSecret,
          allowedOrigin: ALLOWED_ORIGIN,
          seed: 11,
        }),
        pace: profile,
      };
      await using acquired = await acquireTarget(plan, { watchProcess: false });
      const { checks: results } = await runSuite(plan, acquired);
      const notPassed = results.filter((result) => result.status !== 'passed');
      expect(notPassed.map((result) => `${result.id}: ${result.status}: ${result.reason}`)).toEqual([]);
      expect(results.map((result) => result.id)).toContain('model/interleavings');
    } finally {
      await balancer.close();
    }
  });

  it('cancels a run on the instance executing it when the cancel arrives at another (R-5.7)', async () => {
    const [a, b] = cluster;
    const user = `u_cancel_${suffix}`;
    const onA = await session(a!.wsUrl, user, 'on-a');
    const onB = await session(b!.wsUrl, user, 'on-b');
    const intruder = await session(b!.wsUrl, `u_other_${suffix}`, 'intruder');
    const held = await onA.startRunAcked({ scenario: { tools: 0, stream_chunks: 3, delay_ms: 10_000 } });
    expect(await intruder.request({ type: 'cancel', run_id: held.run_id })).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
    expect(await onB.request({ type: 'cancel', run_id: held.run_id })).toMatchObject({ type: 'ack' });
    const events = await onA.waitForRunEnd(held.run_id, 2000);
    expect(events.at(-1)).toMatchObject({ type: 'agent_completed', data: { status: 'cancelled' } });
    // Ended: a cancel on either instance is now not_found.
    for (const connection of [onB, onA])
      expect(await connection.request({ type: 'cancel', run_id: held.run_id })).toMatchObject({
        type: 'error',
        code: 'not_found',
      });
    await Promise.all([onA.close(), onB.close(), intruder.close()]);
  });

  it('fans a run out to the same user on another instance, live, in seq order', async () => {
    const [a, b] = cluster;
    const user = `u_fan_${suffix}`;
    const onA = await session(a!.wsUrl, user, 'on-a');
    const ack = await onA.startRunAcked({ scenario: { tools: 2, stream_chunks: 6, delay_ms: 60 } });
    const onB = await session(b!.wsUrl, user, 'on-b');
    const resumed = await onB.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
    expect(resumed.type).toBe('ack');
    const onBEvents = await onB.waitForRunEnd(ack.run_id, 10_000);
    const onAEvents = await onA.waitForRunEnd(ack.run_id, 10_000);
    expect(onBEvents.map((event) => event.seq)).toEqual(onAEvents.map((event) => event.seq));
    expect(onBEvents).toEqual(onAEvents);
    // Some of them came live over Redis, not all from the replay.
    expect(resumed.replayed as number).toBeLessThan(onAEvents.length);
    await Promise.all([onA.close(), onB.close()]);
  });

  it('holds up under load spread across both instances: no failure, no seq break, no leak', async () => {
    const result = await cli([
      'load',
      ...cluster.flatMap((instance) => ['--target', instance.wsUrl]),
      '--jwt-secret',
      options.jwtSecret,
      '--sessions',
      '80',
      '--ramp-ms',
      '200',
      '--runs',
      '2',
      '--warmup',
      '0',
      '--json',
      ...CORRECTNESS_THRESHOLDS,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.target.ws_urls).toEqual(cluster.map((instance) => instance.wsUrl));
    expect(report.counters).toMatchObject({ sessions_opened: 80, runs_completed: 160 });
  });

  it('counts a user’s runs in flight across instances (R-5.8): the third of two allowed is refused on the other instance', async () => {
    const pair = await startCluster({ ...options, port: 0, limits: { max_inflight_runs: 2 } }, 2);
    try {
      const [a, b] = pair;
      const user = `u_limit_${suffix}`;
      const onA = await session(a!.wsUrl, user, 'on-a');
      const onB = await session(b!.wsUrl, user, 'on-b');
      const slow = { tools: 0, stream_chunks: 10, delay_ms: 80 };
      const runs = [await onA.startRunAcked({ scenario: slow }), await onA.startRunAcked({ scenario: slow })];
      const refused = await onB.startRun({ scenario: slow });
      expect(refused).toMatchObject({ type: 'error', code: 'rate_limited' });
      await Promise.all(runs.map((run) => onA.waitForRunEnd(run.run_id, 10_000)));
      const accepted = await onB.startRun({ scenario: { tools: 0, stream_chunks: 1, delay_ms: 1 } });
      expect(accepted.type).toBe('ack');
      await Promise.all([onA.close(), onB.close()]);
    } finally {
      await Promise.all(pair.map((instance) => instance.close()));
    }
  });

  it('keeps a thread private to its owner on every instance', async () => {
    const [a, b] = cluster;
    const owner = await session(a!.wsUrl, `u_owner_${suffix}`, 'owner');
    const { ack } = await owner.runToCompletion({ scenario: { tools: 0, stream_chunks: 2, delay_ms: 1 } });
    const intruder = await session(b!.wsUrl, `u_intruder_${suffix}`, 'intruder');
    const answer = await intruder.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
    expect(answer).toMatchObject({ type: 'error', code: 'not_found' });
    await Promise.all([owner.close(), intruder.close()]);
  });

  it('keeps every event across a restart of the whole deployment', async () => {
    const user = `u_restart_${suffix}`;
    const before = await startServer({ ...options, port: 0 });
    const connection = await session(before.wsUrl, user, 'before');
    const { ack, events } = await connection.runToCompletion({ scenario: { tools: 1, delay_ms: 1 } });
    await before.close();
    const after = await startServer({ ...options, port: 0 });
    try {
      const again = await session(after.wsUrl, user, 'after');
      const answer = await again.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
      expect(answer).toMatchObject({ type: 'ack', replayed: events.length });
      expect(again.eventsOfThread(ack.thread_id!)).toEqual(events);
      await again.close();
    } finally {
      await after.close();
    }
  });

  it('refuses faults, and names an unreachable database without its password', async () => {
    await expect(startServer({ ...options, faults: ['seq-gap'] })).rejects.toThrow(
      /cannot be enabled in production/,
    );
    const unreachable = startServer({
      ...options,
      production: { ...production, databaseUrl: 'postgres://postgres:hunter2@127.0.0.1:1/postgres' },
    });
    await expect(unreachable).rejects.toThrow(/Postgres event log unavailable: .*ECONNREFUSED/);
    await unreachable.catch((error: Error) => expect(error.message).not.toContain('hunter2'));
  });
});

/** Two consecutive free ports, for --instances 2. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const nextFree = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(port + 1, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (nextFree && port < 65535) return port;
  }
}

describe('agentwire serve --production (built CLI)', () => {
  it('serves two instances of one deployment that the suite passes against', async () => {
    const port = await freePortPair();
    const secret = newSecret();
    const schema = `aw_cli_${suffix}`;
    const backend = await serve(
      ['--production', '--instances', '2', '--port', String(port), '--schema', schema],
      { DATABASE_URL, REDIS_URL, AGENTWIRE_JWT_SECRET: secret },
    );
    let exitCode: number | null = null;
    try {
      const output = backend.output();
      expect(output).toContain(`ws://127.0.0.1:${port}/`);
      expect(output).toContain(`ws://127.0.0.1:${port + 1}/`);
      expect(output).toMatch(new RegExp(`threads\\s+Postgres .*\\(schema ${schema}\\)`));
      const result = await cli([
        'run',
        '--target',
        `ws://127.0.0.1:${port + 1}/ws`,
        '--jwt-secret',
        secret,
        '--min-executed',
        '60',
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
    } finally {
      exitCode = await backend.stop();
      const sql = postgres(DATABASE_URL, { onnotice: () => {} });
      await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
      await sql.end();
    }
    expect(exitCode, backend.output()).toBe(0);
  });

  it('refuses --production without its stores, and faults with it, exit 64', async () => {
    const env = { ...process.env, DATABASE_URL: '', REDIS_URL: '' };
    const missing = await cli(['serve', '--production', '--port', '0'], env);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/--production needs a Postgres URL .* and a Redis URL/);
    const faulty = await cli(
      [
        'serve',
        '--production',
        '--database-url',
        DATABASE_URL,
        '--redis-url',
        REDIS_URL,
        '--fault',
        'seq-gap',
      ],
      env,
    );
    expect(faulty.code).toBe(64);
    expect(faulty.stderr).toContain('faults cannot be enabled with --production');
  });

  it('names an unreachable event log without its password, exit 2', async () => {
    const result = await cli([
      'serve',
      '--production',
      '--port',
      '0',
      '--database-url',
      'postgres://postgres:hunter2@127.0.0.1:1/postgres',
      '--redis-url',
      REDIS_URL,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Postgres event log unavailable: .*ECONNREFUSED.*start it, or point --database-url/,
    );
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });
});
