/** Section 5 of AEP/1: seq, run framing, tool pairing, failing tools, timestamps, isolation, cancel, limits. */
import type { AepConnection } from '../client/index.js';
import { type AgentEvent, CANCEL_DEADLINE_MS } from '../protocol/index.js';
import type { Check } from './check.js';
import { expectEqual, expectErrorAnswer, expectNoStreamViolations, expectTrue, fail } from './expect.js';
import {
  cancelRun,
  countOfType,
  expectFramesMatchSchemas,
  scenario,
  serverClockAheadMs,
  sleep,
  statusOf,
} from './helpers.js';
import {
  runFramingViolations,
  seqViolations,
  timestampViolations,
  toolPairingViolations,
} from './stream-rules.js';

/** How far ts may be from the server's clock before it counts as not UTC now. */
const CLOCK_SKEW_MS = 10 * 60_000;

export const eventChecks: Check[] = [
  {
    id: 'R-5.1/seq-starts-at-1',
    rules: ['R-5.1'],
    title: 'A new thread’s events are numbered 1, 2, 3, … without gaps',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({ scenario: scenario(context, { tools: 2 }) });
      expectEqual(events[0]?.seq, 1, 'seq of the first event');
      expectNoStreamViolations('seq', (o) => seqViolations(events, 1, o));
    },
  },
  {
    id: 'R-5.1/seq-continues-across-runs',
    rules: ['R-5.1'],
    title: 'seq keeps growing by 1 across the runs of one thread',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const first = await connection.runToCompletion({ scenario: scenario(context) });
      const threadId = first.ack.thread_id!;
      for (let run = 0; run < 2; run++) {
        const next = await connection.startRunAcked({ thread_id: threadId, scenario: scenario(context) });
        await connection.waitForRunEnd(next.run_id);
      }
      expectNoStreamViolations('seq across three runs', (o) =>
        seqViolations(connection.eventsOfThread(threadId), 1, o),
      );
    },
  },
  {
    id: 'R-5.1/seq-concurrent-runs-one-thread',
    rules: ['R-5.1'],
    title: 'Two runs in one thread at once still share one gap-free seq',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const first = await connection.startRunAcked({ scenario: scenario(context, { tools: 2 }) });
      const second = await connection.startRunAcked({
        thread_id: first.thread_id,
        scenario: scenario(context, { tools: 2 }),
      });
      await Promise.all([connection.waitForRunEnd(first.run_id), connection.waitForRunEnd(second.run_id)]);
      expectNoStreamViolations('seq with interleaved runs', (o) =>
        seqViolations(connection.eventsOfThread(first.thread_id), 1, o),
      );
    },
  },
  {
    id: 'R-5.2/run-framing',
    rules: ['R-5.2'],
    title: 'A run starts with agent_started and ends with exactly one agent_completed',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({
        scenario: scenario(context, { tools: 2, thinking: true }),
      });
      expectNoStreamViolations('run framing', (o) => runFramingViolations(events, o));
      expectEqual(
        events[0]?.data && (events[0].data as { input_id?: unknown }).input_id,
        `${connection.label}-1`,
        'agent_started.data.input_id',
      );
    },
  },
  {
    id: 'R-5.2/nothing-after-completed',
    rules: ['R-5.2'],
    title: 'No event of a run arrives after its agent_completed',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const { ack } = await connection.runToCompletion({ scenario: scenario(context, { tools: 2 }) });
      await sleep(150 + context.eventDelayMs * 5);
      expectNoStreamViolations('events after agent_completed', (o) =>
        runFramingViolations(connection.eventsOfRun(ack.run_id!), o),
      );
    },
  },
  {
    id: 'R-5.2/completed-status-ok',
    rules: ['R-5.2'],
    title: 'A run without failures completes with status ok',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({ scenario: scenario(context) });
      expectEqual(statusOf(events), 'ok', 'agent_completed.data.status');
    },
  },
  {
    id: 'R-5.3/tool-pairing',
    rules: ['R-5.3'],
    title: 'Every tool_executing is followed by exactly one tool_completed with its tool_call_id',
    requires: ['tools'],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({ scenario: scenario(context, { tools: 3 }) });
      expectTrue(countOfType(events, 'tool_executing') > 0, 'the run made no tool call to check');
      expectNoStreamViolations('tool pairing', (o) => toolPairingViolations(events, o));
    },
  },
  {
    id: 'R-5.3/parallel-runs-keep-tool-ids',
    rules: ['R-5.3'],
    title: 'Tool calls of runs in parallel complete in their own run',
    requires: ['tools'],
    async run(context) {
      const connection = await context.session();
      const acks = await Promise.all(
        [1, 2, 3].map(() => connection.startRunAcked({ scenario: scenario(context, { tools: 2 }) })),
      );
      await Promise.all(acks.map((ack) => connection.waitForRunEnd(ack.run_id)));
      const events = acks.flatMap((ack) => connection.eventsOfRun(ack.run_id));
      expectNoStreamViolations('tool pairing across parallel runs', (o) => toolPairingViolations(events, o));
      const ids = events
        .filter((e) => e.type === 'tool_executing')
        .map((e) => (e.data as { tool_call_id: string }).tool_call_id);
      expectEqual(new Set(ids).size, ids.length, 'distinct tool_call_ids across parallel runs');
    },
  },
  {
    id: 'R-5.4/failing-tool-run-completes',
    rules: ['R-5.4'],
    title: 'A failing tool gives ok:false and the run still ends with agent_completed ok or error',
    requires: ['tools', 'scenarios'],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({
        scenario: scenario(context, { tools: 2, fail_tool: 1 }),
      });
      const failed = events.find(
        (e) => e.type === 'tool_completed' && (e.data as { ok: boolean }).ok === false,
      );
      expectTrue(failed, 'no tool_completed with ok:false for fail_tool: 1');
      const status = statusOf(events);
      expectTrue(
        status === 'ok' || status === 'error',
        `the run ended with status ${status}, expected ok or error`,
      );
      expectNoStreamViolations('run framing after a tool failure', (o) => runFramingViolations(events, o));
    },
  },
  {
    id: 'R-5.4/connection-open-after-tool-failure',
    rules: ['R-5.4'],
    title: 'After a failing tool the connection stays open and the next run works',
    requires: ['tools', 'scenarios'],
    async run(context) {
      const connection = await context.session();
      const first = await connection.runToCompletion({
        scenario: scenario(context, { tools: 1, fail_tool: 1 }),
      });
      expectTrue(connection.isOpen, 'the connection closed after a tool failure');
      const next = await connection.runToCompletion({
        thread_id: first.ack.thread_id,
        scenario: scenario(context),
      });
      expectEqual(statusOf(next.events), 'ok', 'status of the next run');
    },
  },
  {
    id: 'R-5.5/ts-format-and-order',
    rules: ['R-5.5'],
    title: 'ts is RFC 3339 UTC with milliseconds and never decreases within a thread',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const first = await connection.runToCompletion({
        scenario: scenario(context, { tools: 2, thinking: true }),
      });
      await connection.runToCompletion({ thread_id: first.ack.thread_id, scenario: scenario(context) });
      expectNoStreamViolations('ts', (o) =>
        timestampViolations(connection.eventsOfThread(first.ack.thread_id!), o),
      );
    },
  },
  {
    id: 'R-5.5/ts-is-utc-now',
    rules: ['R-5.5'],
    title:
      'ts is UTC now: each event’s ts lies within 10 minutes of the server’s clock (its Date header) during the run',
    requires: [],
    async run(context) {
      const connection = await context.session();
      // Judged against the server's own clock when it tells it, so a client with a wrong clock
      // does not fail a correct server; a zone's offset from UTC is 30 minutes or more.
      const ahead = (await serverClockAheadMs(context)) ?? 0;
      const before = Date.now() + ahead;
      const { events } = await connection.runToCompletion({ scenario: scenario(context, { tools: 1 }) });
      const after = Date.now() + ahead;
      for (const event of events) {
        const stamped = Date.parse(event.ts);
        if (Number.isNaN(stamped))
          fail(`event seq ${event.seq} has a ts that is no date: ${event.ts}`, { event });
        const off = stamped < before ? stamped - before : stamped > after ? stamped - after : 0;
        if (Math.abs(off) > CLOCK_SKEW_MS)
          fail(
            `event seq ${event.seq} is stamped ${event.ts}, ${formatOffset(off)} from the server's clock during the run (${new Date(before).toISOString()} – ${new Date(after).toISOString()}): local time written as UTC? Stamp events in UTC (toISOString(), datetime.now(timezone.utc))`,
            { event, server_clock_ahead_of_client_ms: Math.round(ahead) },
          );
      }
    },
  },
  {
    id: 'R-5.6/isolation-between-users',
    rules: ['R-5.6'],
    title: 'Under concurrency, no user receives a frame of another user’s thread',
    requires: [],
    async run(context) {
      const users = await Promise.all(
        Array.from({ length: 6 }, (_, i) => context.session({ label: `user${i + 1}` })),
      );
      const owned = new Map<(typeof users)[number], Set<string>>();
      await Promise.all(
        users.map(async (connection) => {
          const threads = new Set<string>();
          owned.set(connection, threads);
          const acks = await Promise.all(
            [1, 2].map(() => connection.startRunAcked({ scenario: scenario(context, { tools: 2 }) })),
          );
          for (const ack of acks) threads.add(ack.thread_id);
          await Promise.all(acks.map((ack) => connection.waitForRunEnd(ack.run_id)));
        }),
      );
      for (const connection of users) {
        const mine = owned.get(connection)!;
        const leak = connection.events().find((event) => !mine.has(event.thread_id));
        if (leak)
          fail(`${connection.label} received an event of thread ${leak.thread_id}, which it does not own`, {
            event: leak,
          });
      }
    },
  },
  {
    id: 'R-5.7/cancel-running-run',
    rules: ['R-5.7'],
    title: 'cancel of a running run is acked and the run ends as cancelled within 2 s',
    requires: ['cancel'],
    async run(context) {
      const connection = await context.session();
      const ack = await connection.startRunAcked({
        scenario: { tools: 3, stream_chunks: 3, thinking: true, delay_ms: 300 },
      });
      await connection.waitFor(
        (f) => f.type === 'agent_started' && f.run_id === ack.run_id,
        3000,
        'agent_started',
      );
      await expectCancelledCleanly(connection, ack.run_id, 'a cancelled run');
    },
  },
  {
    id: 'R-5.7/cancel-while-answer-streams',
    rules: ['R-5.7', 'R-5.3'],
    title:
      'cancel while the answer streams, its tool calls completed: the run ends cancelled, and no tool_completed follows',
    requires: ['cancel'],
    async run(context) {
      const connection = await context.session();
      const ack = await connection.startRunAcked({
        scenario: { tools: 2, stream_chunks: 6, thinking: true, delay_ms: 300 },
      });
      await connection.waitFor(
        (f) => f.type === 'agent_message' && f.run_id === ack.run_id,
        10_000,
        'the first agent_message of the answer',
      );
      // Nothing was open any more: a tool call closed again (pairing), or one that never was (an
      // id-less tool_completed, which only the frame schema sees), breaks.
      const events = await expectCancelledCleanly(
        connection,
        ack.run_id,
        'a run cancelled while its answer streamed',
      );
      expectFramesMatchSchemas(events);
    },
  },
  {
    id: 'R-5.7/cancel-unknown-not-found',
    rules: ['R-5.7'],
    title: 'cancel of an unknown run answers error not_found',
    requires: ['cancel'],
    async run(context) {
      const connection = await context.session();
      const answer = await connection.request({ type: 'cancel', run_id: 'r_agentwire_missing' });
      expectErrorAnswer(answer, 'not_found', 'cancel of an unknown run');
    },
  },
  {
    id: 'R-5.7/cancel-finished-not-found',
    rules: ['R-5.7'],
    title:
      'cancel of a finished run answers error not_found, sent the moment it ends, on its connection and on another of its user',
    requires: ['cancel'],
    async run(context) {
      const user = context.newUser();
      const connection = await context.session({ user });
      // A deployment may serve the user's other connection from another instance than the run's.
      const other = await context.session({ user, label: 'other' });
      const { ack } = await connection.runToCompletion({ scenario: scenario(context) });
      const fromOther = [1, 2, 3, 4, 5].map(() => other.newId());
      for (const id of fromOther) other.send({ type: 'cancel', id, run_id: ack.run_id });
      const answer = await connection.request({ type: 'cancel', run_id: ack.run_id });
      expectErrorAnswer(answer, 'not_found', 'cancel of a finished run');
      for (const id of fromOther) {
        const fromOtherAnswer = await other.waitFor(
          (f) => f.id === id && (f.type === 'ack' || f.type === 'error'),
          5000,
          `the answer to cancel ${id}`,
        );
        expectErrorAnswer(
          fromOtherAnswer,
          'not_found',
          'cancel of a finished run from another connection of its user',
        );
      }
    },
  },
  {
    id: 'R-5.7/cancel-foreign-not-found',
    rules: ['R-5.7', 'R-5.6'],
    title: 'cancel of another user’s run answers not_found and the run completes normally',
    requires: ['cancel'],
    async run(context) {
      const owner = await context.session({ label: 'owner' });
      const intruder = await context.session({ label: 'intruder' });
      const ack = await owner.startRunAcked({
        scenario: scenario(context, { tools: 2, delay_ms: Math.max(40, context.eventDelayMs) }),
      });
      const answer = await intruder.request({ type: 'cancel', run_id: ack.run_id });
      expectErrorAnswer(answer, 'not_found', 'cancel of a foreign run');
      const events = await owner.waitForRunEnd(ack.run_id);
      expectEqual(statusOf(events), 'ok', 'status of the run the intruder tried to cancel');
    },
  },
  {
    id: 'R-5.8/inflight-limit',
    rules: ['R-5.8'],
    title: 'One run more than max_inflight_runs answers rate_limited and the others continue',
    requires: ['scenarios'],
    async run(context) {
      const limit = context.target.limits.max_inflight_runs;
      const connection = await context.session();
      const slow = { tools: 2, stream_chunks: 2, thinking: false, delay_ms: 150 };
      const acks = [];
      for (let i = 0; i < limit; i++) acks.push(await connection.startRunAcked({ scenario: slow }));
      const extra = await connection.startRun({ scenario: slow });
      expectErrorAnswer(extra, 'rate_limited', `run number ${limit + 1} with max_inflight_runs ${limit}`);
      const ends = await Promise.all(acks.map((ack) => connection.waitForRunEnd(ack.run_id, 15_000)));
      for (const events of ends) {
        expectEqual(statusOf(events), 'ok', 'status of a run under the limit');
      }
      const after = await connection.startRun({ scenario: scenario(context) });
      expectEqual(after.type, 'ack', 'answer to a run once the others finished');
      await connection.waitForRunEnd(after.run_id as string);
    },
  },
];

/**
 * Cancels a running run and holds it to and its frame: ended within the deadline, as
 * cancelled, every tool call it opened closed once. Returns the run's events.
 */
async function expectCancelledCleanly(
  connection: AepConnection,
  runId: string,
  what: string,
): Promise<AgentEvent[]> {
  const { events, elapsedMs: elapsed } = await cancelRun(connection, runId);
  expectTrue(
    elapsed <= CANCEL_DEADLINE_MS,
    `the run ended ${elapsed} ms after cancel (limit ${CANCEL_DEADLINE_MS} ms)`,
  );
  expectEqual(statusOf(events), 'cancelled', 'agent_completed.data.status');
  expectNoStreamViolations(
    what,
    (o) => runFramingViolations(events, o),
    (o) => toolPairingViolations(events, o),
  );
  return events;
}

/** An offset as "+8h00m" or "-45m". */
function formatOffset(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const sign = ms < 0 ? '-' : '+';
  return minutes >= 60
    ? `${sign}${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
    : `${sign}${minutes}m`;
}
