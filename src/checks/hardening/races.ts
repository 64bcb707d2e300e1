/**
 * Pattern 4, busy streams: the windows where events flow back to back (delay_ms 0, several runs
 * of one thread at once), or where a client action races a live run (resume mid-run, a token
 * expiring while an answer streams).
 */
import { CloseCode } from '../../protocol/index.js';
import type { Check } from '../check.js';
import { expectEqual, expectNoStreamViolations, expectTrue, fail } from '../expect.js';
import { scenario } from '../helpers.js';
import { seqViolations } from '../stream-rules.js';
import { longText } from './support.js';

export const raceChecks: Check[] = [
  {
    id: 'R-4.2/resume-during-live-run',
    rules: ['R-4.2', 'R-5.1'],
    title: 'A resume sent while a fast run streams gets every event exactly once: replayed, then live',
    requires: ['resume', 'scenarios'],
    async run(context) {
      const user = context.newUser();
      const writer = await context.session({ user, label: 'writer' });
      const opening = await writer.runToCompletion({ scenario: scenario(context, { tools: 0 }) });
      const threadId = opening.ack.thread_id!;
      const readers = await Promise.all([1, 2, 3].map((n) => context.session({ user, label: `reader${n}` })));
      const ack = await writer.startRunAcked({
        thread_id: threadId,
        text: longText(120),
        scenario: { tools: 3, stream_chunks: 40, thinking: true, delay_ms: 1 },
      });
      const firstSeq = (opening.events.at(-1)?.seq ?? 0) + 1;
      // Each reader resumes from the start while the run is at a different point.
      for (const [index, reader] of readers.entries()) {
        const point = firstSeq + [1, 8, 20][index]!;
        await writer.waitFor(
          (f) => f.run_id === ack.run_id && typeof f.seq === 'number' && f.seq >= point,
          5000,
          `event seq ${point}`,
        );
        const answer = await reader.request({ type: 'resume', thread_id: threadId, after_seq: 0 });
        expectEqual(answer.type, 'ack', `answer to resume on ${reader.label}`);
      }
      const all = await writer.waitForRunEnd(ack.run_id);
      const expected = writer.eventsOfThread(threadId).map((event) => event.seq);
      for (const reader of readers) {
        await reader
          .waitForRunEnd(ack.run_id, 3000)
          .catch(() => fail(`${reader.label} resumed mid-run and never saw the run end`));
        const seqs = reader.eventsOfThread(threadId).map((event) => event.seq);
        expectTrue(
          JSON.stringify(seqs) === JSON.stringify(expected),
          `${reader.label} resumed mid-run and received seqs ${describeDifference(seqs, expected)}`,
          { run_events: all.length },
        );
      }
    },
  },
  {
    id: 'R-5.1/seq-order-fast-concurrent-runs',
    rules: ['R-5.1', 'R-4.2'],
    title: 'Three runs of one thread at delay_ms 0 with large events arrive in seq order on every connection',
    requires: ['scenarios', 'resume'],
    async run(context) {
      const user = context.newUser();
      const first = await context.session({ user, label: 'first' });
      const second = await context.session({ user, label: 'second' });
      const opening = await first.runToCompletion({ scenario: scenario(context, { tools: 0 }) });
      const threadId = opening.ack.thread_id!;
      const head = opening.events.at(-1)?.seq ?? 0;
      const resumed = await second.request({ type: 'resume', thread_id: threadId, after_seq: head });
      expectEqual(resumed.type, 'ack', 'answer to resume');
      const text = longText(600);
      const fast = { tools: 3, stream_chunks: 6, thinking: true, delay_ms: 0 };
      for (let round = 0; round < 2; round++) {
        const ids = [1, 2, 3].map(() => first.newId());
        for (const id of ids)
          first.send({ type: 'user_message', id, thread_id: threadId, text, scenario: fast });
        const acks = await Promise.all(
          ids.map((id) =>
            first.waitFor((f) => f.id === id && (f.type === 'ack' || f.type === 'error'), 5000, id),
          ),
        );
        for (const answer of acks) expectEqual(answer.type, 'ack', 'answer to a concurrent run');
        for (const answer of acks) {
          await first.waitForRunEnd(String(answer.run_id));
          await second.waitForRunEnd(String(answer.run_id));
        }
      }
      expectNoStreamViolations('seq order on the first connection', (o) =>
        seqViolations(first.eventsOfThread(threadId), 1, o),
      );
      expectNoStreamViolations('seq order on the second connection', (o) =>
        seqViolations(second.eventsOfThread(threadId), head + 1, o),
      );
    },
  },
  {
    id: 'R-2.4/expiry-closes-mid-stream',
    rules: ['R-2.4', 'R-6.3'],
    title: 'A token expiring while a run streams closes the session with 4401 within expiry_grace_ms',
    requires: ['scenarios'],
    timeoutMs: 20_000,
    async run(context) {
      const lifetimeS = 2;
      const user = context.newUser();
      const token = await context.tokens.valid(user, { expiresInS: lifetimeS });
      const expMs = Math.floor(Date.now() / 1000 + lifetimeS) * 1000;
      const connection = await context.session({ user, token });
      const grace = context.target.limits.expiry_grace_ms;
      // Streams well past exp + grace: 150 chunks, 60 ms apart.
      await connection.startRunAcked({
        text: longText(300),
        scenario: { tools: 0, thinking: false, stream_chunks: 150, delay_ms: 60 },
      });
      const close = await connection.waitForClose(Math.max(expMs + grace + 500 - Date.now(), 100)).catch(() =>
        fail(`the session stayed open more than ${grace} ms after its token expired, while a run streamed`, {
          events_received: connection.events().length,
        }),
      );
      expectEqual(close.code, CloseCode.tokenExpired, 'close code at token expiry mid-stream');
    },
  },
];

function describeDifference(actual: number[], expected: number[]): string {
  const missing = expected.filter((seq) => !actual.includes(seq));
  const repeated = actual.filter((seq, index) => actual.indexOf(seq) !== index);
  const parts = [];
  if (missing.length) parts.push(`missing ${missing.slice(0, 8).join(',')}${missing.length > 8 ? ',…' : ''}`);
  if (repeated.length) parts.push(`repeated ${repeated.slice(0, 8).join(',')}`);
  if (!parts.length) parts.push('out of order');
  return `${actual.length} of ${expected.length} (${parts.join('; ')})`;
}
