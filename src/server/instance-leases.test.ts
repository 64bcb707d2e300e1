import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AepConnection, mintToken, newSecret, newUserId } from '../client/index.js';
import type { AgentEvent } from '../protocol/index.js';
import {
  type InstanceLeases,
  type LapsedInstance,
  MemoryInstanceLeases,
  RedisInstanceLeases,
  type RunRecord,
} from './instance-leases.js';
import { startCluster } from './server.js';

const REDIS_URL = process.env.AGENTWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function runsOf(instance: string, count: number): RunRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    runId: `r_${instance}_${index}`,
    threadId: `t_${instance}_${index}`,
    userId: `u_${index}`,
    inputId: `m_${index}`,
  }));
}

/**
 * One instance dies holding `runs` runs; `survivors` instances then race to claim it, all at
 * once. Returns every claimer's haul.
 */
async function race(
  leasesOf: (index: number) => InstanceLeases,
  survivors: number,
  runs: number,
  round: number,
): Promise<LapsedInstance[][]> {
  const dead = `dead_${round}`;
  await leasesOf(0).join(dead, 10);
  for (const run of runsOf(dead, runs)) await leasesOf(0).recordRun(dead, run);
  const names = Array.from({ length: survivors }, (_, index) => `alive_${round}_${index}`);
  for (const [index, name] of names.entries()) await leasesOf(index).join(name, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 25));
  const hauls = await Promise.all(names.map((name, index) => leasesOf(index).claimLapsed(name)));
  for (const [index, name] of names.entries()) await leasesOf(index).leave(name);
  return hauls;
}

function expectExactlyOneClaimer(hauls: LapsedInstance[][], runs: number): void {
  const claimers = hauls.filter((haul) => haul.length > 0);
  expect(claimers).toHaveLength(1);
  expect(claimers[0]!.flatMap((lapsed) => lapsed.runs)).toHaveLength(runs);
}

/** findRun sees a run under whichever instance holds it, follows a takeover, and forgets it. */
async function expectFindsRunsWherever(leases: InstanceLeases, prefix: string): Promise<void> {
  const [first, second] = [`${prefix}_first`, `${prefix}_second`];
  await leases.join(first, 30);
  await leases.join(second, 60_000);
  const [mine, other] = runsOf(first, 2) as [RunRecord, RunRecord];
  await leases.recordRun(first, mine);
  await leases.recordRun(second, other);
  expect(await leases.findRun(mine.runId)).toEqual(mine);
  expect(await leases.findRun(other.runId)).toEqual(other);
  expect(await leases.findRun('r_never_recorded')).toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await leases.claimLapsed(second);
  expect(await leases.findRun(mine.runId)).toEqual(mine);
  await leases.forgetRun(second, mine.runId);
  expect(await leases.findRun(mine.runId)).toBeUndefined();
  await leases.leave(second);
  expect(await leases.findRun(other.runId)).toBeUndefined();
}

describe('instance leases in memory (embedded cluster)', () => {
  it('finds a run under whichever instance holds it, after a takeover too, until it is forgotten', async () => {
    await expectFindsRunsWherever(new MemoryInstanceLeases(), 'memory');
  });

  it('gives a lapsed instance’s runs to exactly one of several racing survivors, 50 times', async () => {
    for (let round = 0; round < 50; round++) {
      const leases = new MemoryInstanceLeases();
      expectExactlyOneClaimer(await race(() => leases, 4, 3, round), 3);
    }
  });

  it('refuses the renewal of an instance that was taken over, and keeps a live one', async () => {
    let now = 0;
    const leases = new MemoryInstanceLeases(() => now);
    await leases.join('a', 100);
    await leases.join('b', 100);
    await leases.recordRun('a', runsOf('a', 1)[0]!);
    now = 50;
    expect(await leases.claimLapsed('b')).toEqual([]);
    expect(await leases.renew('b', 100)).toBe(true);
    now = 120;
    const [lapsed] = await leases.claimLapsed('b');
    expect(lapsed?.instanceId).toBe('a');
    expect(await leases.renew('a', 100)).toBe(false);
  });
});

describe('instance leases in Redis (production)', () => {
  const prefix = `agentwire-test:leases:${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  beforeAll(async () => {
    for (let index = 0; index < 6; index++) {
      const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect().catch((error: unknown) => {
        throw new Error(
          `these tests need Redis at ${REDIS_URL} (set AGENTWIRE_TEST_REDIS_URL): ${String(error)}`,
        );
      });
      clients.push(client);
    }
  });
  afterAll(async () => {
    const keys = await clients[0]!.keys(`${prefix}:*`);
    if (keys.length) await clients[0]!.del(...keys);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('gives a lapsed instance’s runs to exactly one of six survivors racing on their own connections, 30 times', async () => {
    const leases = clients.map((client) => new RedisInstanceLeases(client, prefix));
    for (let round = 0; round < 30; round++)
      expectExactlyOneClaimer(await race((index) => leases[index]!, 6, 3, round), 3);
  });

  it('finds a run under whichever instance holds it, after a takeover too, until it is forgotten', async () => {
    await expectFindsRunsWherever(new RedisInstanceLeases(clients[0]!, `${prefix}:find`), 'redis');
  });

  it('moves claimed runs under the claimer, so a claimer that dies too passes them on', async () => {
    const leases = new RedisInstanceLeases(clients[0]!, `${prefix}:chain`);
    await leases.join('first', 30);
    await leases.recordRun('first', runsOf('first', 2)[0]!);
    await leases.join('second', 30);
    await leases.join('third', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // `second` claims, then dies before ending anything: its own lease lapses.
    await leases.join('second', 30);
    expect((await leases.claimLapsed('second')).map((lapsed) => lapsed.instanceId)).toEqual(['first']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const hauls = await leases.claimLapsed('third');
    expect(hauls.map((lapsed) => lapsed.instanceId)).toEqual(['second']);
    expect(hauls[0]!.runs.map((run) => run.runId)).toEqual(['r_first_0']);
    expect(await leases.renew('second', 1000)).toBe(false);
    await leases.leave('third');
  });
});

describe('an embedded cluster losing an instance (R-6.5)', () => {
  it('ends each of the crashed instance’s runs exactly once, though three survivors race for them', async () => {
    const secret = newSecret();
    const timing = { ttlMs: 300, renewEveryMs: 100, scanEveryMs: 50 };
    const cluster = await startCluster({ jwtSecret: secret, logLevel: 'silent', leaseTiming: timing }, 4);
    try {
      const [doomed, ...survivors] = cluster;
      const user = newUserId();
      const token = await mintToken(secret, { sub: user });
      const connect = async (url: string, label: string) => {
        const connection = await AepConnection.open({ url, token, label });
        await connection.ready();
        return connection;
      };
      const onDoomed = await connect(doomed!.wsUrl, 'doomed');
      const slow = { tools: 1, stream_chunks: 100, delay_ms: 50 };
      const acks = [
        await onDoomed.startRunAcked({ scenario: slow }),
        await onDoomed.startRunAcked({ scenario: slow }),
      ];
      const watchers = await Promise.all(
        survivors.map((survivor, index) => connect(survivor.wsUrl, `w${index}`)),
      );
      for (const watcher of watchers)
        for (const ack of acks)
          expect(
            (await watcher.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 })).type,
          ).toBe('ack');
      await watchers[0]!.waitFor((f) => f.run_id === acks[0]!.run_id && (f.seq as number) >= 3, 5000);
      const crashedAt = Date.now();
      await doomed!.kill();
      for (const watcher of watchers) for (const ack of acks) await watcher.waitForRunEnd(ack.run_id, 10_000);
      const endedWithin = Date.now() - crashedAt;
      expect(endedWithin).toBeLessThan(2000);
      // Give a second claim every chance to show, then read the log itself.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const reader = await connect(survivors[2]!.wsUrl, 'reader');
      for (const ack of acks) {
        await reader.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
        const events = reader.eventsOfThread(ack.thread_id);
        const ends = events.filter((event: AgentEvent) => event.type === 'agent_completed');
        expect(ends).toHaveLength(1);
        expect(ends[0]!.data).toMatchObject({ status: 'error', error: { code: 'instance_lost' } });
        expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
        for (const watcher of watchers) expect(watcher.eventsOfThread(ack.thread_id)).toEqual(events);
      }
      await Promise.all(
        [...watchers, reader, onDoomed].map((connection) => connection.close().catch(() => {})),
      );
    } finally {
      await Promise.all(cluster.map((instance) => instance.close()));
    }
  });
});
