/**
 * under generated input: seeded malformed frames (wrong types, omissions, deep nesting,
 * huge strings, invalid UTF-8, binary, oversized), each of which must be answered with
 * `error bad_request` or the right close code, while a parallel healthy session keeps
 * completing runs. A failure carries the seed and the shrunk counterexample.
 */
import fc from 'fast-check';
import type { AepConnection } from '../../client/index.js';
import type { Check, CheckContext } from '../check.js';
import { CheckFailure } from '../check.js';
import { expectEqual, expectTrue, fail } from '../expect.js';
import { scenario, statusOf } from '../helpers.js';
import { healthStatus } from './health.js';
import { describeMalformed, type MalformedFrame, malformedFrame } from './malformed-frames.js';
import { expectCleanStream } from './stream-assert.js';

const ANSWER_TIMEOUT_MS = 3000;
const FUZZ_TIME_LIMIT_MS = 25_000;

/** Sends one malformed frame and throws (a plain Error, for fast-check) unless it was answered right. */
async function expectRightAnswer(connection: AepConnection, frame: MalformedFrame): Promise<void> {
  const before = connection.received.length;
  const note = describeMalformed(frame);
  if (typeof frame.payload === 'string') connection.sendRaw(frame.payload, { note });
  else connection.sendRaw(Buffer.from(frame.payload), { binary: !frame.asText, note });

  if (frame.expect === 'bad_request') {
    const answer = await connection
      .waitForFrame((f) => connection.received.indexOf(f) >= before, ANSWER_TIMEOUT_MS, 'an answer')
      .catch((error: Error) => {
        throw new Error(`no error frame answered it: ${error.message}`);
      });
    const json = answer.json;
    if (json?.type !== 'error' || json.code !== 'bad_request') {
      throw new Error(`answered with ${answer.raw.slice(0, 200)} instead of error bad_request`);
    }
    if (frame.id !== undefined && json.id !== frame.id) {
      throw new Error(`the error names id ${JSON.stringify(json.id)}, the frame had id "${frame.id}"`);
    }
    return;
  }
  const close = await connection.waitForClose(ANSWER_TIMEOUT_MS).catch(() => {
    throw new Error(`the connection stayed open; expected close ${frame.expect}`);
  });
  if (close.code !== frame.expect) throw new Error(`closed with ${close.code}, expected ${frame.expect}`);
}

/** Keeps running small runs on its own session until `done`; every one must complete ok. */
async function healthyTraffic(context: CheckContext, done: () => boolean): Promise<number> {
  const connection = await context.session({ label: 'healthy' });
  let runs = 0;
  do {
    const { events } = await connection.runToCompletion({ scenario: scenario(context, { tools: 1 }) });
    if (statusOf(events) !== 'ok')
      fail('the healthy session’s run did not complete ok during fuzzing', {}, { frames: [events.at(-1)] });
    runs++;
  } while (!done());
  expectCleanStream(connection.events(), 'the healthy session during fuzzing');
  return runs;
}

export const fuzzChecks: Check[] = [
  {
    id: 'R-6.1/fuzz-malformed-frames',
    rules: ['R-6.1', 'R-1.2', 'R-1.3', 'R-1.4', 'R-6.3'],
    title:
      'Seeded malformed frames are answered with bad_request or the right close; the server and other sessions carry on',
    requires: [],
    timeoutMs: 40_000,
    async run(context) {
      const seed = context.seed;
      const numRuns = context.sizing.fuzzFrames;
      let fuzzing = true;
      const healthy = healthyTraffic(context, () => !fuzzing);
      // Awaited below; until then a failure must not surface as an unhandled rejection.
      healthy.catch(() => {});
      let connection: AepConnection | undefined;
      let opened = 0;
      const open = async () => {
        if (!connection?.isOpen) connection = await context.session({ label: `fuzz${++opened}` });
        return connection;
      };
      const property = fc.asyncProperty(
        malformedFrame(context.target.limits.max_frame_bytes),
        async (frame) => {
          await expectRightAnswer(await open(), frame);
        },
      );
      let result: fc.RunDetails<[MalformedFrame]>;
      try {
        // A server that never answers costs ANSWER_TIMEOUT_MS per frame, shrinking included: cap it.
        result = await fc.check(property, { seed, numRuns, interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS });
      } finally {
        fuzzing = false;
      }
      if (result.failed) {
        const counterexample = result.counterexample?.[0];
        const message =
          result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        const shown = counterexample ? describeMalformed(counterexample) : 'none';
        throw new CheckFailure(
          `${message} — for ${shown} (seed ${seed}; repeat with --seed ${seed} --checks R-6.1/fuzz-malformed-frames)`,
          {
            seed,
            counterexample: shown,
            path: result.counterexamplePath,
            shrinks: result.numShrinks,
            frames_tried: result.numRuns,
          },
          { frames: counterexample ? [shown] : [], connections: [`fuzz${opened}`] },
        );
      }
      if (result.interrupted) {
        context.transcript.note(
          `fuzzing stopped after ${FUZZ_TIME_LIMIT_MS} ms with ${result.numRuns} of ${numRuns} frames`,
        );
      }
      const runs = await healthy;
      expectTrue(runs >= 1, 'the healthy session completed no run');
      expectEqual(
        await healthStatus(context.target.httpUrl),
        200,
        `/health after ${numRuns} malformed frames`,
      );
      const fresh = await context.session({ label: 'after-fuzz' });
      const pong = await fresh.request({ type: 'ping' });
      expectEqual(pong.type, 'pong', 'a new session after fuzzing answers ping');
    },
  },
];
