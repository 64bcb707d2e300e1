/**
 * graceful drain, checked on a disposable instance of the target (the checks shut it
 * down). On the drained instance: /health answers 503, new handshakes are refused, runs in
 * flight finish before their sessions close with 1001, every event reaches the client once.
 * Across instances: a client cut off mid-run that resumes on another instance of the same
 * deployment gets exactly the events it missed, and the thread carries on there; and one user
 * on two instances sees every event on both. The instances are the target's own, started
 * for the check, which is why these live together.
 */
import { HandshakeRejectedError } from '../../client/index.js';
import { CloseCode } from '../../protocol/index.js';
import { type Check, type CheckContext, type DisposableTarget, Unsupported } from '../check.js';
import { expectEqual, expectTrue, fail } from '../expect.js';
import { scenario, sleep, statusOf } from '../helpers.js';
import { expectSameEventsOnTwoConnections } from './flows.js';
import { healthStatus } from './health.js';
import { expectCleanStream, expectSeamless, midRunDelayMs, resumeUntilEnd } from './stream-assert.js';

const TO_DRAIN =
  'needs an instance it may shut down: run against the embedded backend (omit --target) to check the drain';

/** Instances of the target started for this check alone; unsupported for an external target. */
async function instancesOfItsOwn(context: CheckContext, why = TO_DRAIN): Promise<DisposableTarget> {
  if (!context.disposableTarget) throw new Unsupported(why);
  return context.disposableTarget();
}

export const drainChecks: Check[] = [
  {
    id: 'R-6.4/graceful-drain',
    needsOwnInstances: true,
    rules: ['R-6.4', 'R-1.5', 'R-6.3'],
    title:
      'Drain: /health 503, new sessions refused, running runs finish, then close 1001 with every event seen once',
    requires: ['scenarios'],
    timeoutMs: 20_000,
    async run(context) {
      const instance = await instancesOfItsOwn(context);
      const url = instance.wsUrl;
      const sessions = await Promise.all(
        ['drain-a', 'drain-b'].map((label) => context.session({ url, label })),
      );
      const runs = await Promise.all(
        sessions.map((connection) =>
          connection.startRunAcked({
            scenario: scenario(context, {
              tools: 1,
              stream_chunks: 6,
              delay_ms: midRunDelayMs(context.eventDelayMs) * 2,
            }),
          }),
        ),
      );
      await sessions[0]!.waitFor(
        (f) => f.run_id === runs[0]!.run_id && typeof f.seq === 'number',
        3000,
        'a first event',
      );

      const draining = instance.drain();
      let health: number | 'unreachable' = 'unreachable';
      for (let attempt = 0; attempt < 20 && health !== 503; attempt++) {
        health = await healthStatus(instance.httpUrl);
        if (health !== 503) await sleep(10);
      }
      const healthNote = `GET /health while draining: ${health}`;
      context.transcript.note(healthNote);
      expectTrue(
        health === 503,
        `/health answered ${health} while draining, expected 503`,
        { health },
        {
          frames: [healthNote],
        },
      );

      try {
        await context.connect({ url, label: 'late-comer' });
        fail(
          'a new handshake was accepted while the server was draining',
          {},
          { connections: ['late-comer'] },
        );
      } catch (error) {
        if (
          !(error instanceof HandshakeRejectedError) &&
          !(error instanceof Error && /ECONNREFUSED|ECONNRESET|socket hang up/.test(error.message))
        ) {
          throw error;
        }
      }

      const closes = await Promise.all(
        sessions.map((connection) =>
          connection
            .waitForClose(10_000)
            .catch(() =>
              fail(
                `${connection.label} was not closed by the drain`,
                {},
                { connections: [connection.label] },
              ),
            ),
        ),
      );
      sessions.forEach((connection, index) => {
        const run = runs[index]!;
        if (closes[index]!.code !== CloseCode.goingAway) {
          fail(
            `${connection.label} was closed with ${closes[index]!.code}, expected 1001`,
            {},
            { connections: [connection.label] },
          );
        }
        const events = connection.eventsOfRun(run.run_id);
        const completed = events.at(-1);
        if (completed?.type !== 'agent_completed') {
          fail(
            `${connection.label}'s run was cut off by the drain before agent_completed`,
            {},
            { connections: [connection.label] },
          );
        }
        expectTrue(
          statusOf(events) === 'ok',
          `${connection.label}'s run ended ${String(statusOf(events))} during the drain`,
          {},
          { frames: [completed] },
        );
        expectCleanStream(
          connection.eventsOfThread(run.thread_id),
          `${connection.label}'s thread during the drain`,
        );
      });
      await draining;
    },
  },
  {
    id: 'R-6.4/resume-on-another-instance',
    needsOwnInstances: true,
    rules: ['R-6.4', 'R-4.2', 'R-5.1'],
    title:
      'A client cut off mid-run resumes on another instance after the drain: every missed event once, then the thread goes on there',
    requires: ['resume', 'scenarios'],
    timeoutMs: 20_000,
    async run(context) {
      const instance = await instancesOfItsOwn(context);
      const { sibling } = instance;
      if (!sibling) {
        throw new Unsupported('needs a second instance of the target that shares its event log');
      }
      const user = context.newUser();
      const first = await context.session({ url: instance.wsUrl, user, label: 'on-drained' });
      const ack = await first.startRunAcked({
        scenario: scenario(context, {
          tools: 2,
          stream_chunks: 8,
          delay_ms: midRunDelayMs(context.eventDelayMs) * 2,
        }),
      });
      await first.waitFor(
        (f) => f.run_id === ack.run_id && typeof f.seq === 'number' && f.seq >= 2,
        5000,
        'two events',
      );
      first.drop();
      await first.closed;
      const before = first.eventsOfThread(ack.thread_id);
      expectTrue(
        before.at(-1)?.type !== 'agent_completed',
        'the run finished before the client was cut off; make it slower',
        {},
      );
      const lastSeq = before.at(-1)!.seq;
      context.transcript.note(`cut off after seq ${lastSeq}; draining the instance`);
      await instance.drain();

      const second = await context.session({ url: sibling.wsUrl, user, label: 'on-sibling' });
      const rest = await resumeUntilEnd(second, ack.thread_id, lastSeq, ack.run_id);
      expectSeamless(before, rest, 'the run resumed on another instance');
      expectEqual(statusOf(rest), 'ok', 'status of the run that outlived its instance');

      const next = await second.runToCompletion({ thread_id: ack.thread_id, scenario: scenario(context) });
      const lastBefore = rest.at(-1)?.seq ?? lastSeq;
      const firstNext = next.events[0];
      expectTrue(
        firstNext?.seq === lastBefore + 1,
        `the next run on the other instance started at seq ${String(firstNext?.seq)}, expected ${lastBefore + 1}`,
        {},
        { frames: [rest.at(-1), firstNext].filter(Boolean) },
      );
      expectCleanStream(
        [...before, ...second.eventsOfThread(ack.thread_id)],
        'the thread across both instances',
      );
    },
  },
  {
    id: 'R-4.2/fan-out-across-instances',
    needsOwnInstances: true,
    rules: ['R-4.2', 'R-5.1'],
    title:
      'One user on two instances of a deployment: runs started on either reach both connections, identically',
    requires: ['resume'],
    async run(context) {
      const instance = await instancesOfItsOwn(
        context,
        'needs two instances of the target started for the check: run against the embedded backend (omit --target)',
      );
      if (!instance.sibling) {
        throw new Unsupported('needs a second instance of the target that shares its threads');
      }
      await expectSameEventsOnTwoConnections(context, {
        phone: instance.wsUrl,
        laptop: instance.sibling.wsUrl,
      });
    },
  },
];
