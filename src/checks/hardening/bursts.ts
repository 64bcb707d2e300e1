/**
 * Pattern 3, impolite clients: frames sent in a burst without awaiting their answers, and one
 * user on several connections at once. Check-then-act races and per-connection state shared
 * between frames only show then.
 */
import type { AepConnection } from '../../client/index.js';
import type { Check } from '../check.js';
import { expectEqual, expectTrue, fail } from '../expect.js';
import { followedThread, scenario, sleep, statusOf } from '../helpers.js';
import { burst, onlyAnswer } from './support.js';

/** In flight for over a second: no run of a burst may end before the whole burst is answered. */
const slow = { tools: 1, stream_chunks: 2, thinking: false, delay_ms: 350 };

/** Counts acks and rate_limited answers; anything else fails. */
function tally(answers: Map<string, Record<string, unknown>[]>, what: string) {
  const acked: string[] = [];
  const frames: Record<string, unknown>[] = [];
  let limited = 0;
  for (const id of answers.keys()) {
    const answer = onlyAnswer(answers, id, what);
    frames.push(answer);
    if (answer.type === 'ack') acked.push(String(answer.run_id));
    else if (answer.type === 'error' && answer.code === 'rate_limited') limited++;
    else fail(`${what}: ${id} was answered ${JSON.stringify(answer).slice(0, 200)}`, { answer });
  }
  return { acked, limited, frames };
}

export const burstChecks: Check[] = [
  {
    id: 'R-5.8/limit-holds-under-burst',
    rules: ['R-5.8'],
    title:
      'A burst of user_messages over several connections of one user gets exactly max_inflight_runs acks, the rest rate_limited',
    requires: ['scenarios'],
    timeoutMs: 30_000,
    async run(context) {
      const limit = context.target.limits.max_inflight_runs;
      const user = context.newUser();
      const extra = 2;
      const connections = await Promise.all(
        Array.from({ length: limit + extra }, (_, index) =>
          context.session({ user, label: `tab${index + 1}` }),
        ),
      );
      // All at once, one per connection: the frames race each other inside the server.
      const perConnection = connections.map((connection) => ({
        connection,
        frame: { type: 'user_message', id: connection.newId(), text: 'burst', scenario: slow },
      }));
      const answered = await Promise.all(
        perConnection.map(({ connection, frame }) =>
          burst(connection, [frame]).then((a) => ({ connection, a })),
        ),
      );
      const runs: { connection: AepConnection; runId: string }[] = [];
      let limited = 0;
      const answers: Record<string, unknown>[] = [];
      for (const { connection, a } of answered) {
        const result = tally(a, `burst over ${connections.length} connections`);
        limited += result.limited;
        answers.push(...result.frames);
        for (const runId of result.acked) runs.push({ connection, runId });
      }
      expectEqual(
        runs.length,
        limit,
        `runs acked out of ${limit + extra} sent at once with max_inflight_runs ${limit}`,
      );
      expectEqual(limited, extra, 'rate_limited answers in that burst');
      for (const { connection, runId } of runs) {
        const events = await connection.waitForRunEnd(runId, 15_000);
        expectEqual(statusOf(events), 'ok', 'status of a run under the limit');
      }
      // The same burst on one connection, frames back to back.
      const single = connections[0]!;
      const frames = Array.from({ length: limit + extra }, () => ({
        type: 'user_message',
        id: single.newId(),
        text: 'burst',
        scenario: slow,
      }));
      const result = tally(await burst(single, frames), 'burst on one connection');
      expectEqual(
        result.acked.length,
        limit,
        `runs acked out of ${limit + extra} sent back to back on one connection`,
      );
      for (const runId of result.acked) await single.waitForRunEnd(runId, 15_000);
    },
  },
  {
    id: '§4/burst-answers-match-ids',
    rules: ['§4', 'R-4.1'],
    title: 'Frames sent back to back are each answered once, under their own id, by the right kind of answer',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const fast = scenario(context, { tools: 0, stream_chunks: 1 });
      const frames = [
        { type: 'user_message', id: 'burst-m1', text: 'first', scenario: fast },
        { type: 'ping', id: 'burst-p1' },
        { type: 'user_message', id: 'burst-m2', text: 'second', scenario: fast },
        { type: 'resume', id: 'burst-r1', thread_id: 't_agentwire_missing_burst', after_seq: 0 },
        { type: 'ping', id: 'burst-p2' },
        { type: 'user_message', id: 'burst-m3', text: 'third', scenario: fast },
        { type: 'ping', id: 'burst-p3' },
      ];
      const answers = await burst(connection, frames);
      const runs = new Map<string, string>();
      for (const frame of frames) {
        const answer = onlyAnswer(answers, frame.id, 'burst of seven frames');
        const expected = frame.type === 'ping' ? 'pong' : frame.type === 'resume' ? 'error' : 'ack';
        expectTrue(
          answer.type === expected,
          `${frame.type} ${frame.id} was answered by ${String(answer.type)}, expected ${expected}`,
          { answer },
          { frames: [answer] },
        );
        if (frame.type === 'user_message') runs.set(frame.id, String(answer.run_id));
      }
      expectEqual(new Set(runs.values()).size, 3, 'distinct run_ids among the three acks');
      for (const [inputId, runId] of runs) {
        const events = await connection.waitForRunEnd(runId);
        const started = events.find((event) => event.type === 'agent_started');
        expectTrue(
          (started?.data as { input_id?: unknown } | undefined)?.input_id === inputId,
          `the run acked for ${inputId} started for input ${String((started?.data as { input_id?: unknown })?.input_id)}`,
          {},
          { frames: started ? [started] : [] },
        );
      }
    },
  },
  {
    id: 'R-4.2/other-connections-survive-a-close',
    rules: ['R-4.2'],
    title:
      'When one of a user’s connections closes, the user’s other subscribed connections keep receiving the thread',
    requires: ['resume'],
    async run(context) {
      const {
        writer,
        readers: [leaving, staying],
        threadId,
      } = await followedThread(context, { writer: 'writer', readers: ['leaving', 'staying'] });
      await leaving.close();
      await sleep(50);
      const next = await writer.runToCompletion({ thread_id: threadId, scenario: scenario(context) });
      const seen = await staying.waitForRunEnd(next.ack.run_id!, 3000).catch(() =>
        fail('after another connection of the same user closed, the staying connection missed the next run', {
          received: staying.eventsOfThread(threadId).length,
        }),
      );
      expectEqual(seen.length, next.events.length, 'events of the next run on the staying connection');
    },
  },
];
