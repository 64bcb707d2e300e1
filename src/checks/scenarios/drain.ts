/**
 * graceful drain, checked on a disposable instance of the target (the check shuts it
 * down). What one instance can show: while draining /health answers 503 and new handshakes are
 * refused; runs in flight finish before their sessions close with 1001; every event reached
 * the client exactly once. "Resume on another instance loses nothing" needs instances that share
 * the event log (a production deployment backed by Postgres/Redis); the embedded backend keeps
 * threads in memory, so that half is reported in the check's title and not claimed.
 */
import { HandshakeRejectedError } from '../../client/index.js';
import { CloseCode } from '../../protocol/index.js';
import { type Check, Unsupported } from '../check.js';
import { expectTrue, fail } from '../expect.js';
import { scenario, sleep, statusOf } from '../helpers.js';
import { healthStatus } from './health.js';
import { expectCleanStream, midRunDelayMs } from './stream-assert.js';

export const drainChecks: Check[] = [
  {
    id: 'R-6.4/graceful-drain',
    rules: ['R-6.4', 'R-1.5', 'R-6.3'],
    title:
      'Drain: /health 503, new sessions refused, running runs finish, then close 1001 with every event seen once (resume on another instance needs a shared event log)',
    requires: ['scenarios'],
    timeoutMs: 20_000,
    async run(context) {
      if (!context.disposableTarget) {
        throw new Unsupported(
          'needs an instance it may shut down: run against the embedded backend (omit --target) to check the drain',
        );
      }
      const instance = await context.disposableTarget();
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
];
