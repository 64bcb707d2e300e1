/**
 * with real processes: `agentwire serve --production` instances on the machine's Postgres
 * and Redis, one of them killed with SIGKILL mid-run. Each test uses its own schema (and so its
 * own lease keys) and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { AepConnection, mintToken, newSecret } from '../../src/client/index.js';
import type { AgentEvent } from '../../src/protocol/index.js';
import { type ServedBackend, serve } from '../support/cli.js';

const DATABASE_URL = process.env.AGENTWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.AGENTWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schemas: string[] = [];

afterAll(async () => {
  const sql = postgres(DATABASE_URL, { onnotice: () => {} });
  for (const schema of schemas) await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  await sql.end();
});

/** `count` separate `serve --production` processes of one deployment (one schema). */
async function deployment(count: number, secret: string): Promise<ServedBackend[]> {
  const schema = `aw_crash_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const env = { DATABASE_URL, REDIS_URL, AGENTWIRE_JWT_SECRET: secret };
  const args = ['--production', '--port', '0', '--schema', schema, '--log-level', 'error'];
  // Started together: creating the schema is serialised by an advisory lock.
  return Promise.all(Array.from({ length: count }, () => serve(args, env)));
}

describe('serve --production, an instance killed with SIGKILL mid-run (R-6.5)', () => {
  it('ends its runs on a survivor within 10 s as instance_lost, frees their slots, and numbers on', async () => {
    const secret = newSecret();
    const [doomed, survivor] = await deployment(2, secret);
    const user = `u_crash_${randomBytes(3).toString('hex')}`;
    const token = await mintToken(secret, { sub: user, expiresInS: 300 });
    const connect = async (url: string, label: string) => {
      const connection = await AepConnection.open({ url, token, label });
      await connection.ready();
      return connection;
    };
    try {
      const onDoomed = await connect(doomed!.wsUrl, 'on-doomed');
      const watcher = await connect(survivor!.wsUrl, 'on-survivor');
      const limit = (await watcher.ready()).limits.max_inflight_runs;
      const slow = { tools: 2, stream_chunks: 200, delay_ms: 50 };
      const acks: Awaited<ReturnType<AepConnection['startRunAcked']>>[] = [];
      for (let index = 0; index < limit; index++) acks.push(await onDoomed.startRunAcked({ scenario: slow }));
      for (const ack of acks)
        expect((await watcher.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 })).type).toBe(
          'ack',
        );
      await watcher.waitFor((f) => f.run_id === acks[0]!.run_id && f.type === 'tool_executing', 5000);
      const refusedBefore = await watcher.startRun({ scenario: { tools: 0, stream_chunks: 1, delay_ms: 1 } });
      expect(refusedBefore).toMatchObject({ type: 'error', code: 'rate_limited' });

      const crashedAt = Date.now();
      await doomed!.kill();
      const ends: AgentEvent[] = [];
      for (const ack of acks) ends.push((await watcher.waitForRunEnd(ack.run_id, 10_000)).at(-1)!);
      const endedWithinMs = Date.now() - crashedAt;
      expect(endedWithinMs).toBeLessThanOrEqual(10_000);
      for (const end of ends) {
        expect(end.type).toBe('agent_completed');
        expect(end.data).toMatchObject({ status: 'error', error: { code: 'instance_lost' } });
      }

      // The log holds every event once, numbered 1, 2, 3 …, tools closed before the end.
      const reader = await connect(survivor!.wsUrl, 'reader');
      for (const ack of acks) {
        await reader.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
        const events = reader.eventsOfThread(ack.thread_id);
        expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
        expect(events.filter((event) => event.type === 'agent_completed')).toHaveLength(1);
        const executing = events.filter((event) => event.type === 'tool_executing').length;
        expect(events.filter((event) => event.type === 'tool_completed')).toHaveLength(executing);
        expect(watcher.eventsOfThread(ack.thread_id)).toEqual(events);
      }

      // The slots are free and the thread numbers on.
      const answers = await Promise.all(
        acks.map((ack) =>
          watcher.startRun({
            thread_id: ack.thread_id,
            scenario: { tools: 0, stream_chunks: 1, delay_ms: 1 },
          }),
        ),
      );
      expect(answers.map((answer) => answer.type)).toEqual(acks.map(() => 'ack'));
      for (const [index, answer] of answers.entries()) {
        const next = await watcher.waitForRunEnd(answer.run_id as string, 10_000);
        expect(next[0]!.seq).toBe(ends[index]!.seq + 1);
      }
      await Promise.all([watcher, reader].map((connection) => connection.close()));
    } finally {
      await Promise.all([doomed!.kill(), survivor!.stop()]);
    }
  }, 60_000);

  it('has exactly one of three survivors end each run, all three following the thread', async () => {
    const secret = newSecret();
    const [doomed, ...survivors] = await deployment(4, secret);
    const token = await mintToken(secret, {
      sub: `u_race_${randomBytes(3).toString('hex')}`,
      expiresInS: 300,
    });
    const connect = async (url: string, label: string) => {
      const connection = await AepConnection.open({ url, token, label });
      await connection.ready();
      return connection;
    };
    try {
      const onDoomed = await connect(doomed!.wsUrl, 'on-doomed');
      const ack = await onDoomed.startRunAcked({ scenario: { tools: 1, stream_chunks: 200, delay_ms: 50 } });
      const watchers = await Promise.all(
        survivors.map((survivor, index) => connect(survivor.wsUrl, `w${index}`)),
      );
      for (const watcher of watchers)
        await watcher.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
      await watchers[0]!.waitFor((f) => f.run_id === ack.run_id && (f.seq as number) >= 3, 5000);
      await doomed!.kill();
      for (const watcher of watchers) await watcher.waitForRunEnd(ack.run_id, 10_000);
      // Long enough for a second survivor's end to show up, were there one.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const reference = watchers[0]!.eventsOfThread(ack.thread_id);
      expect(reference.filter((event) => event.type === 'agent_completed')).toHaveLength(1);
      expect(reference.map((event) => event.seq)).toEqual(reference.map((_, index) => index + 1));
      for (const watcher of watchers) expect(watcher.eventsOfThread(ack.thread_id)).toEqual(reference);
      await Promise.all(watchers.map((watcher) => watcher.close()));
    } finally {
      await Promise.all([doomed!.kill(), ...survivors.map((survivor) => survivor.stop())]);
    }
  }, 60_000);
});
