/**
 * Pattern 5, every clause of a rule: a bound at its exact edge on both sides, a cursor at and past
 * the thread's head. (Tokens without sub, another edge, are in handshake-edges.ts.)
 */
import { CloseCode } from '../../protocol/index.js';
import type { Check } from '../check.js';
import { expectEqual, fail } from '../expect.js';
import { scenario } from '../helpers.js';

export const clauseChecks: Check[] = [
  {
    id: 'R-1.3/frame-at-limit-accepted',
    rules: ['R-1.3', 'R-6.3'],
    title: 'A frame of exactly limits.max_frame_bytes is answered; one byte more closes with 1009',
    requires: [],
    async run(context) {
      const limit = context.target.limits.max_frame_bytes;
      const frameOf = (bytes: number, id: string) => {
        const base = JSON.stringify({
          type: 'user_message',
          id,
          text: '',
          scenario: scenario(context, { tools: 0 }),
        });
        const frame = JSON.parse(base) as Record<string, unknown>;
        frame.text = 'z'.repeat(bytes - Buffer.byteLength(base));
        const text = JSON.stringify(frame);
        if (Buffer.byteLength(text) !== bytes) fail(`could not build a frame of exactly ${bytes} bytes`);
        return text;
      };
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
