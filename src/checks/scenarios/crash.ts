/**
 * crash-safe runs, checked on disposable instances of the target (the checks crash one).
 * A run on the crashed instance must end on the survivor within 10 s — `agent_completed` status
 * `error`, code `instance_lost`, numbered on — and stop counting against its user's in-flight
 * limit; what was committed before the crash stays resumable, nothing lost or repeated.
 */
import type { AepConnection } from '../../client/index.js';
import type { AgentEvent } from '../../protocol/index.js';
import { type Check, type CheckContext, type DisposableTarget, Unsupported } from '../check.js';
import { expectEqual, expectTrue, fail } from '../expect.js';
import { scenario } from '../helpers.js';
import { expectCleanStream, midRunDelayMs } from './stream-assert.js';

/** R-6.5's bound on how long a crashed instance's runs may stay open. */
export const ORPHAN_DEADLINE_MS = 10_000;

const TO_CRASH =
  'needs two instances of the target it may crash: run against the embedded backend (omit --target) to check crash safety';

async function crashablePair(
  context: CheckContext,
): Promise<DisposableTarget & { sibling: NonNullable<DisposableTarget['sibling']>; crash(): Promise<void> }> {
  if (!context.disposableTarget) throw new Unsupported(TO_CRASH);
  const instance = await context.disposableTarget();
  const { sibling, crash } = instance;
  if (!sibling || !crash) throw new Unsupported(TO_CRASH);
  return { ...instance, sibling, crash };
}

/** A run long enough to still be going when the crash comes. */
function longRun(context: CheckContext) {
  return scenario(context, {
    tools: 2,
    stream_chunks: 200,
    delay_ms: midRunDelayMs(context.eventDelayMs) * 4,
  });
}

/** Follows the thread from the start on `watcher` (resume after 0) and waits until an event of the run arrived. */
async function follow(watcher: AepConnection, threadId: string, runId: string): Promise<void> {
  const answer = await watcher.request({ type: 'resume', thread_id: threadId, after_seq: 0 });
  if (answer.type !== 'ack')
    fail(
      `resume on the surviving instance was answered with ${String(answer.type)}`,
      {},
      { frames: [answer] },
    );
  await watcher.waitFor((f) => f.run_id === runId && typeof f.seq === 'number', 5000, 'an event of the run');
}

/** Waits for the run's end on the survivor; fails naming the deadline when it does not come. */
async function endAfterCrash(
  watcher: AepConnection,
  runId: string,
  crashedAt: number,
): Promise<{ events: AgentEvent[]; elapsedMs: number }> {
  await watcher
    .waitFor(
      (f) => f.type === 'agent_completed' && f.run_id === runId,
      ORPHAN_DEADLINE_MS + 1000,
      `the end of run ${runId}`,
    )
    .catch(() =>
      fail(
        `run ${runId} of the crashed instance did not end within ${ORPHAN_DEADLINE_MS / 1000} s: its subscribers wait forever`,
        {},
        { connections: [watcher.label] },
      ),
    );
  const elapsedMs = Date.now() - crashedAt;
  return { events: watcher.eventsOfRun(runId), elapsedMs };
}

/** Two instances of one deployment and one user with a session on each: the first will crash. */
async function crashScene(context: CheckContext) {
  const instance = await crashablePair(context);
  const user = context.newUser();
  const doomed = await context.session({ url: instance.wsUrl, user, label: 'on-crashed' });
  const watcher = await context.session({ url: instance.sibling.wsUrl, user, label: 'on-survivor' });
  return { instance, user, doomed, watcher };
}

export const crashChecks: Check[] = [
  {
    id: 'R-6.5/crashed-instance-runs-end',
    needsOwnInstances: true,
    rules: ['R-6.5', 'R-5.1', 'R-5.2', 'R-5.3'],
    title:
      'A run on a crashed instance ends on the survivor within 10 s: error instance_lost, next seq, nothing lost or repeated',
    requires: ['resume', 'scenarios'],
    timeoutMs: 25_000,
    async run(context) {
      const { instance, user, doomed, watcher } = await crashScene(context);
      const ack = await doomed.startRunAcked({ scenario: longRun(context) });
      await follow(watcher, ack.thread_id, ack.run_id);
      await watcher.waitFor(
        (f) => f.run_id === ack.run_id && f.type === 'tool_executing',
        5000,
        'a tool call in flight',
      );
      context.transcript.note('crashing the first instance (no drain)');
      const crashedAt = Date.now();
      await instance.crash();
      const { events, elapsedMs } = await endAfterCrash(watcher, ack.run_id, crashedAt);
      context.transcript.note(`the run ended ${elapsedMs} ms after the crash`);
      const completed = events.at(-1)!;
      const data = completed.data as { status?: unknown; error?: { code?: unknown } };
      expectEqual(data.status, 'error', 'status of a run whose instance crashed');
      expectEqual(data.error?.code, 'instance_lost', 'error.code of a run whose instance crashed');
      expectTrue(
        elapsedMs <= ORPHAN_DEADLINE_MS,
        `the run ended ${elapsedMs} ms after the crash, later than ${ORPHAN_DEADLINE_MS} ms`,
        { elapsedMs },
        { frames: [completed] },
      );
      expectCleanStream(watcher.eventsOfThread(ack.thread_id), 'the thread on the survivor');

      // Committed events stay resumable, once each, and the thread numbers on after the end.
      const late = await context.session({ url: instance.sibling.wsUrl, user, label: 'late-reader' });
      const answer = await late.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
      expectEqual(answer.type, 'ack', 'answer to resume of the thread after the crash');
      await late.waitFor(
        (f) => f.type === 'agent_completed' && f.run_id === ack.run_id,
        5000,
        'the replayed end',
      );
      const replayed = late.eventsOfThread(ack.thread_id);
      expectEqual(
        replayed.length,
        watcher.eventsOfThread(ack.thread_id).length,
        'events replayed from the log against those delivered live',
      );
      const next = await watcher.runToCompletion({ thread_id: ack.thread_id, scenario: scenario(context) });
      expectTrue(
        next.events[0]?.seq === completed.seq + 1,
        `the next run started at seq ${String(next.events[0]?.seq)}, expected ${completed.seq + 1}`,
        {},
        { frames: [completed, next.events[0]].filter(Boolean) },
      );
      expectCleanStream(watcher.eventsOfThread(ack.thread_id), 'the thread after the crash');
    },
  },
  {
    id: 'R-6.5/crashed-instance-slots-freed',
    needsOwnInstances: true,
    rules: ['R-6.5', 'R-5.8'],
    title:
      'Runs of a crashed instance stop counting against their user: once they end, the user may start max_inflight_runs again',
    requires: ['resume', 'scenarios'],
    timeoutMs: 25_000,
    async run(context) {
      const { instance, doomed, watcher } = await crashScene(context);
      const limit = (await watcher.ready()).limits.max_inflight_runs;
      const acks = [];
      for (let index = 0; index < limit; index++)
        acks.push(await doomed.startRunAcked({ scenario: longRun(context) }));
      for (const ack of acks) await follow(watcher, ack.thread_id, ack.run_id);
      const crashedAt = Date.now();
      await instance.crash();
      for (const ack of acks) await endAfterCrash(watcher, ack.run_id, crashedAt);
      const answers = await Promise.all(
        acks.map(() => watcher.startRun({ scenario: scenario(context, { tools: 0, stream_chunks: 1 }) })),
      );
      const refused = answers.filter((answer) => answer.type !== 'ack');
      if (refused.length > 0) {
        fail(
          `${refused.length} of ${limit} new runs were refused after the crashed instance's runs ended (${String(refused[0]!.code)}): their in-flight slots were not freed`,
          { limit, refused: refused.length },
          { frames: refused.slice(0, 2) },
        );
      }
      await Promise.all(answers.map((answer) => watcher.waitForRunEnd(answer.run_id as string, 10_000)));
    },
  },
];
