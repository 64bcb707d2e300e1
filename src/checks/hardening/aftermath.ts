/**
 * Pattern 2, what a refusal leaves behind: a not_found, rate_limited or cancel is checked not
 * only by its answer but by a second action after it — a later run of the thread, a later
 * resume, the next runs the in-flight limit lets through.
 */
import { randomUUID } from 'node:crypto';
import type { Check, CheckContext } from '../check.js';
import { expectEqual, expectErrorAnswer, expectTrue } from '../expect.js';
import { scenario, sleep, statusOf } from '../helpers.js';

/** A thread of the owner's with one finished run, and another user's connection. */
async function ownerAndIntruder(context: CheckContext) {
  const owner = await context.session({ label: 'owner' });
  const intruder = await context.session({ label: 'intruder' });
  const { ack } = await owner.runToCompletion({ scenario: scenario(context) });
  return { owner, intruder, threadId: ack.thread_id! };
}

/** Runs the owner's thread once more and expects the intruder to see none of it. */
async function expectNothingLeaks(
  context: CheckContext,
  parts: Awaited<ReturnType<typeof ownerAndIntruder>>,
  after: string,
): Promise<void> {
  const { owner, intruder, threadId } = parts;
  const later = await owner.runToCompletion({ thread_id: threadId, scenario: scenario(context) });
  await sleep(50 + context.eventDelayMs * 4);
  const leaked = intruder.eventsOfThread(threadId);
  expectTrue(
    leaked.length === 0,
    `after ${after}, the intruder received ${leaked.length} events of the owner’s next run`,
    { run_id: later.ack.run_id },
    { frames: leaked.slice(0, 3) },
  );
  const pong = await intruder.request({ type: 'ping' });
  expectEqual(pong.type, 'pong', 'answer to ping on the intruder’s connection after the refusal');
}

/** Runs that stay in flight for seconds, so a busy machine cannot end one before the check's next frame. */
const slow = { tools: 2, stream_chunks: 2, thinking: false, delay_ms: 100 };
const verySlow = { tools: 2, stream_chunks: 2, thinking: false, delay_ms: 1000 };

export const aftermathChecks: Check[] = [
  {
    id: 'R-4.1/foreign-thread-refusal-leaves-no-subscription',
    rules: ['R-4.1', 'R-5.6'],
    title: 'A user_message refused not_found for a foreign thread subscribes nothing: later runs stay unseen',
    requires: [],
    async run(context) {
      const parts = await ownerAndIntruder(context);
      const answer = await parts.intruder.startRun({
        thread_id: parts.threadId,
        scenario: scenario(context),
      });
      expectErrorAnswer(answer, 'not_found', 'user_message to a foreign thread');
      await expectNothingLeaks(context, parts, 'a refused user_message');
    },
  },
  {
    id: 'R-4.3/foreign-resume-leaves-no-subscription',
    rules: ['R-4.3', 'R-5.6'],
    title: 'A resume refused not_found for a foreign thread subscribes nothing: later runs stay unseen',
    requires: ['resume'],
    async run(context) {
      const parts = await ownerAndIntruder(context);
      const answer = await parts.intruder.request({
        type: 'resume',
        thread_id: parts.threadId,
        after_seq: 0,
      });
      expectErrorAnswer(answer, 'not_found', 'resume of a foreign thread');
      await expectNothingLeaks(context, parts, 'a refused resume');
    },
  },
  {
    id: 'R-4.1/unknown-thread-not-found',
    rules: ['R-4.1', 'R-4.3'],
    title: 'A user_message naming a thread that does not exist answers not_found and creates nothing',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const threadId = `t_agentwire_unknown_${randomUUID().slice(0, 8)}`;
      const answer = await connection.startRun({ thread_id: threadId, scenario: scenario(context) });
      expectErrorAnswer(answer, 'not_found', 'user_message to a thread that does not exist');
      if (!context.target.capabilities.has('resume')) return;
      const probe = await connection.request({ type: 'resume', thread_id: threadId, after_seq: 0 });
      expectErrorAnswer(probe, 'not_found', 'resume of that thread after the refused user_message');
    },
  },
  {
    id: 'R-5.8/refusals-take-no-slot',
    rules: ['R-5.8', 'R-4.1'],
    title:
      'user_messages refused not_found (another user’s thread) take no in-flight slot: max_inflight_runs runs still start after them',
    requires: ['scenarios'],
    async run(context) {
      const limit = context.target.limits.max_inflight_runs;
      // Refused for naming another user's thread: the refusal every server must make, whether or
      // not it would create threads it does not know (R-4.1/unknown-thread-not-found checks that).
      const { intruder: connection, threadId } = await ownerAndIntruder(context);
      for (let i = 0; i <= limit; i++) {
        const refused = await connection.startRun({ thread_id: threadId, scenario: scenario(context) });
        expectErrorAnswer(
          refused,
          'not_found',
          `refused user_message number ${i + 1} to another user's thread`,
        );
      }
      const acks = [];
      for (let i = 0; i < limit; i++) {
        const answer = await connection.startRun({ scenario: slow });
        expectEqual(answer.type, 'ack', `answer to run ${i + 1} of ${limit} after ${limit + 1} refusals`);
        acks.push(String(answer.run_id));
      }
      for (const runId of acks) await connection.waitForRunEnd(runId, 15_000);
    },
  },
  {
    id: 'R-5.8/cancelled-runs-free-their-slots',
    rules: ['R-5.8', 'R-5.7'],
    title: 'Cancelled runs give their in-flight slots back: max_inflight_runs new runs start after them',
    requires: ['scenarios', 'cancel'],
    async run(context) {
      const limit = context.target.limits.max_inflight_runs;
      const connection = await context.session();
      for (let round = 1; round <= 2; round++) {
        const acks = [];
        for (let i = 0; i < limit; i++) {
          const answer = await connection.startRun({ scenario: verySlow });
          expectEqual(answer.type, 'ack', `round ${round}: answer to run ${i + 1} of ${limit}`);
          acks.push(String(answer.run_id));
        }
        for (const runId of acks) {
          const cancel = await connection.request({ type: 'cancel', run_id: runId });
          expectEqual(cancel.type, 'ack', `round ${round}: answer to cancel`);
        }
        for (const runId of acks) {
          const events = await connection.waitForRunEnd(runId, 5000);
          expectEqual(statusOf(events), 'cancelled', `round ${round}: status of a cancelled run`);
        }
      }
    },
  },
];
