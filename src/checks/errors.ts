/** Section 6 of AEP/1: bad input answered with error frames, error codes, close codes. */

import type { AepConnection } from '../client/index.js';
import { ERROR_CODES } from '../protocol/index.js';
import type { Check } from './check.js';
import { expectEqual, expectErrorAnswer, expectTrue, fail } from './expect.js';
import { scenario, statusOf } from './helpers.js';

/** Sends raw text and waits for the next error frame; returns it. */
async function errorAfterRaw(connection: AepConnection, raw: string): Promise<Record<string, unknown>> {
  const before = connection.received.length;
  connection.sendRaw(raw);
  const frame = await connection
    .waitForFrame(
      (f) => connection.received.indexOf(f) >= before && f.json?.type === 'error',
      3000,
      'an error frame',
    )
    .catch(() => fail(`no error frame answered ${JSON.stringify(raw.slice(0, 80))}`));
  return frame.json!;
}

async function expectStillServing(connection: AepConnection): Promise<void> {
  expectTrue(connection.isOpen, 'the server closed the connection after a bad frame');
  const pong = await connection.request({ type: 'ping' }).catch(() => fail('no pong after a bad frame'));
  expectEqual(pong.type, 'pong', 'answer to ping after a bad frame');
}

/** `raw` may list several frames of the same kind: each is answered, and the connection serves on. */
function badFrameCheck(slug: string, title: string, raw: string | string[], expectedId?: string): Check {
  return {
    id: `R-6.1/${slug}`,
    rules: ['R-6.1'],
    title,
    requires: [],
    async run(context) {
      const connection = await context.session();
      for (const frame of typeof raw === 'string' ? [raw] : raw) {
        const answer = await errorAfterRaw(connection, frame);
        expectErrorAnswer(answer, 'bad_request', `${title}: ${frame}`);
        if (expectedId) expectEqual(answer.id, expectedId, 'error id');
        expectTrue(typeof answer.message === 'string', 'the error frame has no message', { answer });
        await expectStillServing(connection);
      }
    },
  };
}

export const errorChecks: Check[] = [
  badFrameCheck(
    'not-json',
    'A frame that is not JSON answers bad_request; the connection stays open',
    '{"type": "ping", ',
  ),
  // Every kind of JSON value that is not an object: `null` is the one a server reading `frame.type`
  // unguarded fails on with an internal error instead of bad_request.
  badFrameCheck(
    'not-an-object',
    'A JSON value that is not an object (array, null, number, string, boolean) answers bad_request',
    ['[1, 2, 3]', 'null', '42', '"ping"', 'true'],
  ),
  badFrameCheck(
    'no-type',
    'A frame without a string type answers bad_request with its id',
    '{"id":"nt-1","text":"x"}',
    'nt-1',
  ),
  badFrameCheck(
    'unknown-type',
    'An unknown type answers bad_request with its id',
    '{"type":"dance","id":"ut-1"}',
    'ut-1',
  ),
  badFrameCheck(
    'missing-field',
    'A user_message without text answers bad_request with its id',
    '{"type":"user_message","id":"mf-1"}',
    'mf-1',
  ),
  badFrameCheck(
    'wrong-field-type',
    'A resume with mistyped fields answers bad_request with its id',
    '{"type":"resume","id":"wt-1","thread_id":5,"after_seq":"zero"}',
    'wt-1',
  ),
  badFrameCheck(
    'cancel-without-run-id',
    'A cancel without run_id answers bad_request with its id',
    '{"type":"cancel","id":"cr-1"}',
    'cr-1',
  ),
  {
    id: 'R-6.1/run-works-after-bad-frames',
    rules: ['R-6.1'],
    title: 'After a burst of bad frames the same connection completes a run',
    requires: [],
    async run(context) {
      const connection = await context.session();
      for (const raw of ['nope', '{}', '{"type":7}', '{"type":"user_message"}', 'null'])
        connection.sendRaw(raw);
      const { events } = await connection.runToCompletion({ scenario: scenario(context) });
      expectEqual(statusOf(events), 'ok', 'status of the run after bad frames');
    },
  },
  {
    id: 'R-6.1/other-sessions-unaffected',
    rules: ['R-6.1'],
    title: 'Bad frames on one connection do not disturb another session’s run',
    requires: [],
    async run(context) {
      const noisy = await context.session({ label: 'noisy' });
      const calm = await context.session({ label: 'calm' });
      const run = calm.runToCompletion({ scenario: scenario(context, { tools: 2 }) });
      for (let i = 0; i < 20; i++) noisy.sendRaw(i % 2 ? `{"type":"x${i}","id":"n${i}"}` : `garbage ${i}`);
      const { events } = await run;
      expectEqual(statusOf(events), 'ok', 'status of the calm session’s run');
      expectTrue(
        calm.jsonFrames().every((frame) => frame.type !== 'error'),
        'the calm session received an error frame',
      );
    },
  },
  {
    id: 'R-6.2/error-codes-known',
    rules: ['R-6.2'],
    title: 'Every error frame uses one of bad_request, not_found, rate_limited, internal',
    requires: [],
    async run(context) {
      const connection = await context.session();
      connection.sendRaw('not json');
      await connection.request({ type: 'resume', thread_id: 't_agentwire_missing', after_seq: 0 });
      await connection.request({ type: 'cancel', run_id: 'r_agentwire_missing' });
      await connection.request({ type: 'user_message', text: 'x', thread_id: 't_agentwire_missing' });
      const errors = connection.jsonFrames().filter((frame) => frame.type === 'error');
      expectTrue(errors.length >= 3, `expected at least 3 error frames, got ${errors.length}`);
      for (const error of errors) {
        expectTrue(
          (ERROR_CODES as readonly unknown[]).includes(error.code),
          `unknown error code ${JSON.stringify(error.code)}`,
          { error },
        );
      }
    },
  },
  {
    id: 'R-6.3/client-close-1000',
    rules: ['R-6.3'],
    title: 'A normal client close (1000) is answered with 1000',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const close = await connection.close(1000);
      expectEqual(close.code, 1000, 'close code answered to a normal close');
    },
  },
];
