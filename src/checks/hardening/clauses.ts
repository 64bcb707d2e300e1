/**
 * Pattern 5, every clause of a rule: a bound at its exact edge on both sides, a cursor at and past
 * the thread's head. (Tokens without sub, another edge, are in handshake-edges.ts.)
 */
import { CloseCode } from '../../protocol/index.js';
import type { Check, CheckContext } from '../check.js';
import { expectEqual, fail } from '../expect.js';
import { scenario } from '../helpers.js';

/**
 * A user_message of exactly `bytes` UTF-8 bytes, its text made of `fill` (and a few 'z' where
 * `fill` is wider than the room left).
 */
function userMessageOfBytes(context: CheckContext, bytes: number, id: string, fill = 'z'): string {
  const base = JSON.stringify({
    type: 'user_message',
    id,
    text: '',
    scenario: scenario(context, { tools: 0 }),
  });
  const room = bytes - Buffer.byteLength(base);
  const width = Buffer.byteLength(fill);
  const frame = JSON.parse(base) as Record<string, unknown>;
  frame.text = fill.repeat(Math.floor(room / width)) + 'z'.repeat(room % width);
  const text = JSON.stringify(frame);
  if (Buffer.byteLength(text) !== bytes) fail(`could not build a frame of exactly ${bytes} bytes`);
  return text;
}

export const clauseChecks: Check[] = [
  {
    id: 'R-1.3/frame-at-limit-accepted',
    rules: ['R-1.3', 'R-6.3'],
    title: 'A frame of exactly limits.max_frame_bytes is answered; one byte more closes with 1009',
    requires: [],
    async run(context) {
      const limit = context.target.limits.max_frame_bytes;
      const frameOf = (bytes: number, id: string) => userMessageOfBytes(context, bytes, id);
      const atLimit = await context.session({ label: 'at-limit' });
      atLimit.sendRaw(frameOf(limit, 'edge-1'), { note: `<user_message of exactly ${limit} bytes>` });
      const answer = await atLimit
        .waitFor((f) => f.id === 'edge-1', 5000, 'the answer to the frame at the limit')
        .catch(() =>
          fail(`a frame of exactly max_frame_bytes (${limit}) was not answered`, {
            close: atLimit.closeInfo ?? null,
          }),
        );
      expectEqual(answer.type, 'ack', `answer to a user_message of exactly ${limit} bytes`);
      await atLimit.waitForRunEnd(String(answer.run_id));
      const over = await context.session({ label: 'over-limit' });
      over.sendRaw(frameOf(limit + 1, 'edge-2'), { note: `<user_message of ${limit + 1} bytes>` });
      const close = await over
        .waitForClose(3000)
        .catch(() => fail(`a frame of max_frame_bytes + 1 (${limit + 1}) left the connection open`));
      expectEqual(close.code, CloseCode.messageTooBig, 'close code after a frame one byte over the limit');
    },
  },
  {
    id: 'R-1.3/frame-limit-counts-bytes',
    rules: ['R-1.3', 'R-6.3'],
    title:
      'max_frame_bytes counts UTF-8 bytes: a frame of two-byte characters one byte over it closes with 1009, one byte under it is answered',
    requires: [],
    async run(context) {
      const limit = context.target.limits.max_frame_bytes;
      // One byte under, not at, the limit: the exact edge is R-1.3/frame-at-limit-accepted's.
      const fits = await context.session({ label: 'utf8-under' });
      const under = userMessageOfBytes(context, limit - 1, 'utf8-1', 'é');
      fits.sendRaw(under, { note: `<user_message of ${limit - 1} bytes in ${under.length} characters>` });
      const answer = await fits
        .waitFor((f) => f.id === 'utf8-1', 5000, 'the answer to the frame under the limit')
        .catch(() =>
          fail(`a frame of ${limit - 1} bytes (two-byte characters) was not answered`, {
            close: fits.closeInfo ?? null,
          }),
        );
      expectEqual(
        answer.type,
        'ack',
        `answer to a user_message of ${limit - 1} bytes of two-byte characters`,
      );
      await fits.waitForRunEnd(String(answer.run_id));
      // limit + 1 bytes in about limit / 2 characters: a server measuring the decoded string
      // sees a frame well under its limit.
      const over = await context.session({ label: 'utf8-over' });
      const big = userMessageOfBytes(context, limit + 1, 'utf8-2', 'é');
      over.sendRaw(big, { note: `<user_message of ${limit + 1} bytes in ${big.length} characters>` });
      const close = await over
        .waitForClose(5000)
        .catch(() =>
          fail(
            `a frame of ${limit + 1} bytes in ${big.length} characters left the connection open: the limit was counted in characters, not bytes`,
            { answer: over.received.find((f) => f.json?.id === 'utf8-2')?.json ?? null },
            { connections: ['utf8-over'] },
          ),
        );
      expectEqual(close.code, CloseCode.messageTooBig, `close code after a frame of ${limit + 1} bytes`);
    },
  },
  {
    id: 'R-4.2/resume-at-and-beyond-head',
    rules: ['R-4.2', 'R-4.3'],
    title: 'resume at the last seq, past it, and one before it replays exactly the events after after_seq',
    requires: ['resume'],
    async run(context) {
      const user = context.newUser();
      const writer = await context.session({ user, label: 'writer' });
      const { ack, events } = await writer.runToCompletion({ scenario: scenario(context) });
      const head = events.at(-1)!.seq;
      for (const [what, afterSeq] of [
        ['at the head', head],
        ['one past the head', head + 1],
        ['far past the head', head + 1000],
        ['one before the head', head - 1],
      ] as const) {
        const reader = await context.session({ user, label: `resume-${afterSeq}` });
        const answer = await reader.request({
          type: 'resume',
          thread_id: ack.thread_id,
          after_seq: afterSeq,
        });
        expectEqual(answer.type, 'ack', `answer to resume ${what} (after_seq ${afterSeq})`);
        const expected = events.filter((event) => event.seq > afterSeq).map((event) => event.seq);
        const replayed = reader.eventsOfThread(ack.thread_id!).map((event) => event.seq);
        expectEqual(JSON.stringify(replayed), JSON.stringify(expected), `seqs replayed for resume ${what}`);
        expectEqual(answer.replayed, expected.length, `ack.replayed for resume ${what}`);
      }
    },
  },
];
