// Crash safety under traffic: FAILOVERS times, an `agentwire serve --production` process
// is killed with SIGKILL while its runs are in flight and other clients keep running on the
// survivors; a replacement is started meanwhile. Per failover it checks what clients saw against
// the event log: events lost (seen before the crash, missing from the log) or duplicated (a seq
// twice), every orphaned run ended as instance_lost (and how long after the kill), the next run
// on the thread numbered on, and the user not refused as rate_limited afterwards.
// Needs Postgres and Redis (DATABASE_URL / REDIS_URL, default the machine's own).
// Targets: 0 lost, 0 duplicated, 100 % of orphans ended within 10 s, 0 users wrongly limited.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { AepConnection, mintToken } from '../dist/index.js';

const cli = join(import.meta.dirname, '../dist/cli.js');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const failovers = Number(process.env.FAILOVERS ?? 100);
const runsPerFailover = 2;
const schema = `aw_failover_${randomBytes(4).toString('hex')}`;
const secret = randomBytes(24).toString('hex');
const DEADLINE_MS = 10_000;

function serve() {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--production', '--port', '0', '--schema', schema, '--log-level', 'error'],
    {
      env: { ...process.env, AGENTWIRE_JWT_SECRET: secret, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const url = /websocket\s+(ws:\/\/\S+)/.exec(output)?.[1];
      if (url && output.includes('Ctrl+C'))
        resolve({
          wsUrl: url,
          kill: () => {
            child.kill('SIGKILL');
            return exited;
          },
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
}

async function connect(url, user, label) {
  const token = await mintToken(secret, { sub: user, expiresInS: 3600 });
  const connection = await AepConnection.open({ url, token, label });
  await connection.ready();
  return connection;
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

const totals = {
  lost: 0,
  duplicated: 0,
  orphans: 0,
  ended: 0,
  endedInTime: 0,
  nextSeqOk: 0,
  nextSeqChecked: 0,
  limited: 0,
  traffic: 0,
  trafficFailed: 0,
};
const endTimes = [];
const problems = [];
const started = performance.now();
// The victim, the survivor the watchers sit on, one more racing to take over, and a spare booting:
// each replacement gets two rounds to start.
const instances = [serve(), serve(), serve(), serve()];
try {
  for (let round = 0; round < failovers; round++) {
    const [victim, survivor, third] = await Promise.all(instances.slice(0, 3));
    const user = `u_failover_${round}`;
    const onVictim = await connect(victim.wsUrl, user, 'on-victim');
    const watcher = await connect(survivor.wsUrl, user, 'watcher');
    const limit = (await watcher.ready()).limits.max_inflight_runs;
    const acks = [];
    for (let index = 0; index < runsPerFailover; index++)
      acks.push(await onVictim.startRunAcked({ scenario: { tools: 2, stream_chunks: 250, delay_ms: 30 } }));
    for (const ack of acks) await watcher.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
    // Client traffic on the other instances across the crash: another user's runs, start to end.
    const trafficUser = `u_traffic_${round}`;
    const traffic = Promise.all(
      [survivor, third].map(async (instance) => {
        const connection = await connect(instance.wsUrl, trafficUser, 'traffic');
        try {
          for (let index = 0; index < 3; index++) {
            await connection.runToCompletion(
              { scenario: { tools: 1, stream_chunks: 5, delay_ms: 30 } },
              15_000,
            );
            totals.traffic++;
          }
        } catch (error) {
          totals.trafficFailed++;
          problems.push(`round ${round}: traffic: ${error.message}`);
        } finally {
          await connection.close().catch(() => {});
        }
      }),
    );
    for (const ack of acks)
      await watcher.waitFor((f) => f.run_id === ack.run_id && f.seq >= 3, 10_000, 'events of the run');

    const killedAt = Date.now();
    await victim.kill();
    instances.shift();
    instances.push(serve());
    const seenBeforeCrash = onVictim.events();
    for (const ack of acks) {
      totals.orphans++;
      try {
        const events = await watcher.waitForRunEnd(ack.run_id, 20_000);
        const end = events.at(-1);
        const ms = Date.now() - killedAt;
        endTimes.push(ms);
        if (end.data?.status === 'error' && end.data?.error?.code === 'instance_lost') totals.ended++;
        else problems.push(`round ${round}: run ended ${JSON.stringify(end.data)}`);
        if (ms <= DEADLINE_MS) totals.endedInTime++;
      } catch (error) {
        problems.push(`round ${round}: ${error.message}`);
      }
    }
    // The log against what the clients saw.
    const reader = await connect(survivor.wsUrl, user, 'reader');
    const endSeqs = [];
    for (const ack of acks) {
      await reader.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
      const logged = reader.eventsOfThread(ack.thread_id);
      endSeqs.push(logged.at(-1)?.seq);
      const loggedKeys = new Set(logged.map((event) => `${event.seq}:${event.type}`));
      const seen = [
        ...seenBeforeCrash.filter((event) => event.thread_id === ack.thread_id),
        ...watcher.eventsOfThread(ack.thread_id),
      ];
      totals.lost += new Set(
        seen.filter((event) => !loggedKeys.has(`${event.seq}:${event.type}`)).map((e) => e.seq),
      ).size;
      const seqs = logged.map((event) => event.seq);
      totals.duplicated += seqs.length - new Set(seqs).size;
      const watcherSeqs = watcher.eventsOfThread(ack.thread_id).map((event) => event.seq);
      totals.duplicated += watcherSeqs.length - new Set(watcherSeqs).size;
      if (logged.filter((event) => event.type === 'agent_completed').length !== 1) {
        totals.duplicated++;
        problems.push(
          `round ${round}: ${ack.run_id} has ${logged.filter((e) => e.type === 'agent_completed').length} ends in the log`,
        );
      }
    }
    // The user may start `limit` runs at once again, and each thread numbers on.
    const answers = await Promise.all(
      acks.map((ack) =>
        watcher.startRun({ thread_id: ack.thread_id, scenario: { tools: 0, stream_chunks: 1, delay_ms: 1 } }),
      ),
    );
    const extra = await Promise.all(
      Array.from({ length: limit - acks.length }, () =>
        watcher.startRun({ scenario: { tools: 0, stream_chunks: 1, delay_ms: 1 } }),
      ),
    );
    if ([...answers, ...extra].some((answer) => answer.type !== 'ack')) {
      totals.limited++;
      problems.push(
        `round ${round}: refused after the takeover: ${JSON.stringify([...answers, ...extra].find((a) => a.type !== 'ack'))}`,
      );
    }
    for (const [index, answer] of answers.entries()) {
      if (answer.type !== 'ack') continue;
      const next = await watcher.waitForRunEnd(answer.run_id, 10_000);
      totals.nextSeqChecked++;
      if (next[0]?.seq === endSeqs[index] + 1) totals.nextSeqOk++;
      else
        problems.push(`round ${round}: next run started at ${next[0]?.seq}, expected ${endSeqs[index] + 1}`);
    }
    for (const answer of extra) if (answer.type === 'ack') await watcher.waitForRunEnd(answer.run_id, 10_000);
    await traffic;
    await Promise.all([onVictim, watcher, reader].map((connection) => connection.close().catch(() => {})));
    if ((round + 1) % 10 === 0)
      process.stderr.write(
        `failover ${round + 1}/${failovers}: p50 ${percentile(endTimes, 50)} ms, max ${Math.max(...endTimes)} ms\n`,
      );
  }
} finally {
  await Promise.all(instances.map(async (instance) => (await instance).stop()));
  const sql = postgres(databaseUrl, { onnotice: () => {} });
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  await sql.end();
}

const ok =
  totals.lost === 0 &&
  totals.duplicated === 0 &&
  totals.ended === totals.orphans &&
  totals.endedInTime === totals.orphans &&
  totals.nextSeqOk === totals.nextSeqChecked &&
  totals.limited === 0;
console.log(
  `failover: ${failovers} SIGKILLs of serve --production (3 instances, ${runsPerFailover} runs in flight on the victim each time, client traffic on the others)`,
);
console.log(`  events lost                 ${totals.lost}   (target 0)`);
console.log(`  events duplicated           ${totals.duplicated}   (target 0)`);
console.log(
  `  orphaned runs ended         ${totals.ended}/${totals.orphans} (${((100 * totals.endedInTime) / totals.orphans).toFixed(1)} % within 10 s; time to end p50 ${percentile(endTimes, 50)} ms, max ${Math.max(...endTimes)} ms)`,
);
console.log(`  next-run seq correct        ${totals.nextSeqOk}/${totals.nextSeqChecked}`);
console.log(`  users wrongly rate-limited  ${totals.limited}   (target 0)`);
console.log(`  traffic runs on survivors   ${totals.traffic} completed, ${totals.trafficFailed} failed`);
console.log(
  `  ${ok ? 'TARGETS MET' : 'TARGETS MISSED'} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
for (const problem of problems.slice(0, 20)) console.log(`  ! ${problem}`);
process.exitCode = ok ? 0 : 1;
