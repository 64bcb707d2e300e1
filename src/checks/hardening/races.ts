/**
 * Pattern 4, busy streams: the windows where events flow back to back (delay_ms 0, several runs
 * of one thread at once, a slow run and a fast one interleaved), or where a client action races a
 * live run (resume mid-run, a token expiring while an answer streams, a cancel in the middle of a
 * long pause or of a slow tool call).
 */
import { CANCEL_DEADLINE_MS, CloseCode } from '../../protocol/index.js';
import type { Check } from '../check.js';
import { expectEqual, expectNoStreamViolations, expectTrue, fail } from '../expect.js';
import { followedThread, scenario, sleep, statusOf } from '../helpers.js';
import {
  runFramingViolations,
  schemaViolations,
  seqViolations,
  timestampViolations,
  toolPairingViolations,
} from '../stream-rules.js';
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
    id: 'R-5.1/resume-again-while-following',
    rules: ['R-5.1', 'R-4.2'],
    title:
      'A connection that resumes a thread it already follows, again and again while a run streams, gets each later event once, in order',
    requires: ['resume', 'scenarios'],
    async run(context) {
      const {
        writer,
        readers: [reader],
        threadId,
        head,
      } = await followedThread(
        context,
        { writer: 'writer', readers: ['reader'] },
        scenario(context, { tools: 0 }),
      );
      const ack = await writer.startRunAcked({
        thread_id: threadId,
        text: longText(120),
        scenario: { tools: 2, stream_chunks: 30, thinking: false, delay_ms: 5 },
      });
      // Each resume asks from the last event the reader has, as a client re-syncing a view does.
      // What it gets before the ack may repeat events already live on their way; after the ack,
      // the thread must go on from the highest seq received, once each, until the next resume.
      const windows: { sentAt: number; ackId: string }[] = [];
      for (const step of [3, 10, 18, 26]) {
        await reader.waitFor(
          (f) => f.thread_id === threadId && typeof f.seq === 'number' && f.seq >= head + step,
          5000,
          `event seq ${head + step}`,
        );
        const id = reader.newId();
        const seen = reader.eventsOfThread(threadId).at(-1)!.seq;
        windows.push({ sentAt: reader.jsonFrames().length, ackId: id });
        const answer = await reader.request({ type: 'resume', id, thread_id: threadId, after_seq: seen });
        expectEqual(answer.type, 'ack', `answer to the resume after seq ${seen}`);
      }
      await reader
        .waitForRunEnd(ack.run_id, 5000)
        .catch(() => fail('the reader resumed a thread it followed mid-run and never saw the run end'));
      await writer.waitForRunEnd(ack.run_id, 5000);
      // The writer never resumed: its copy of the thread is the whole numbering, from 1.
      expectNoStreamViolations('seq order on the writer', (o) =>
        seqViolations(writer.eventsOfThread(threadId), 1, o),
      );
      const frames = reader.jsonFrames();
      for (const [index, { ackId }] of windows.entries()) {
        const ackAt = frames.findIndex((f) => f.type === 'ack' && f.id === ackId);
        const until = windows[index + 1]?.sentAt ?? frames.length;
        let highest = Math.max(
          0,
          ...frames
            .slice(0, ackAt)
            .flatMap((f) => (f.thread_id === threadId && typeof f.seq === 'number' ? [f.seq] : [])),
        );
        for (const frame of frames.slice(ackAt + 1, until)) {
          if (frame.thread_id !== threadId || typeof frame.seq !== 'number') continue;
          expectTrue(
            frame.seq === highest + 1,
            `after the ack of resume ${index + 2}, the reader got seq ${frame.seq} where ${highest + 1} was next (the highest it had was ${highest}): ${frame.seq <= highest ? 'an event it already had, again' : 'events left out'}`,
            { thread_id: threadId, resume: index + 2 },
          );
          highest = frame.seq;
        }
      }
      const expected = writer.eventsOfThread(threadId).map((event) => event.seq);
      const received = [...new Set(reader.eventsOfThread(threadId).map((event) => event.seq))].sort(
        (a, b) => a - b,
      );
      expectTrue(
        JSON.stringify(received) === JSON.stringify(expected.filter((seq) => seq > head)),
        `the reader's seqs of the thread are ${describeDifference(
          received,
          expected.filter((seq) => seq > head),
        )}`,
      );
    },
  },
  {
    id: 'R-5.1/seq-order-fast-concurrent-runs',
    rules: ['R-5.1', 'R-4.2'],
    title: 'Three runs of one thread at delay_ms 0 with large events arrive in seq order on every connection',
    requires: ['scenarios', 'resume'],
    async run(context) {
      const {
        writer: first,
        readers: [second],
        threadId,
        head,
      } = await followedThread(
        context,
        { writer: 'first', readers: ['second'] },
        scenario(context, { tools: 0 }),
      );
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
  {
    id: 'R-5.5/ts-order-interleaved-runs',
    rules: ['R-5.5', 'R-5.1'],
    title: 'A slow run and a fast run of one thread at once: ts never decreases in seq order',
    requires: ['scenarios'],
    timeoutMs: 20_000,
    async run(context) {
      const connection = await context.session();
      // The slow run pauses 300 ms before each event; the fast one, started in that first pause,
      // streams all its events before the slow run's next one. A ts taken when a step starts
      // rather than when its event is numbered goes back there by most of the pause.
      const slow = await connection.startRunAcked({
        scenario: { tools: 1, stream_chunks: 1, thinking: false, delay_ms: 300 },
      });
      await sleep(50);
      const fast = await connection.startRunAcked({
        thread_id: slow.thread_id,
        scenario: { tools: 2, stream_chunks: 3, thinking: false, delay_ms: 20 },
      });
      await Promise.all([
        connection.waitForRunEnd(slow.run_id, 10_000),
        connection.waitForRunEnd(fast.run_id, 10_000),
      ]);
      const inSeqOrder = connection.eventsOfThread(slow.thread_id).sort((a, b) => a.seq - b.seq);
      expectNoStreamViolations('ts in seq order with a slow and a fast run interleaved', (o) =>
        timestampViolations(inSeqOrder, o),
      );
    },
  },
  {
    id: 'R-5.7/cancel-during-long-pause',
    rules: ['R-5.7'],
    title:
      'cancel during a 5 s pause of the agent ends the run as cancelled within 2 s, not when the pause ends',
    requires: ['cancel', 'scenarios'],
    timeoutMs: 20_000,
    async run(context) {
      const pauseMs = 5000;
      const connection = await context.session();
      const ack = await connection.startRunAcked({
        scenario: { tools: 1, stream_chunks: 1, thinking: false, delay_ms: pauseMs },
      });
      const started = await connection.waitFor(
        (f) => f.type === 'agent_started' && f.run_id === ack.run_id,
        5000,
        'agent_started',
      );
      const sentAt = Date.now();
      const answer = await connection.request({ type: 'cancel', run_id: ack.run_id });
      expectEqual(answer.type, 'ack', 'answer to cancel of a run in its first pause');
      const completed = await connection
        .waitFor(
          (f) => f.type === 'agent_completed' && f.run_id === ack.run_id,
          CANCEL_DEADLINE_MS + 1000,
          'agent_completed',
        )
        .catch(() => undefined);
      const elapsedMs = Date.now() - sentAt;
      if (!completed)
        fail(
          `the run was still going ${elapsedMs} ms after cancel (limit ${CANCEL_DEADLINE_MS} ms): cancel waited for the agent's ${pauseMs} ms pause to end`,
          { delay_ms: pauseMs },
          { frames: [started, answer, ...connection.eventsOfRun(ack.run_id)] },
        );
      expectTrue(
        elapsedMs <= CANCEL_DEADLINE_MS,
        `the run ended ${elapsedMs} ms after cancel (limit ${CANCEL_DEADLINE_MS} ms), in a ${pauseMs} ms pause`,
        { delay_ms: pauseMs },
        { frames: [answer, completed] },
      );
      const status = (completed.data as { status?: unknown } | undefined)?.status;
      expectTrue(
        status === 'cancelled',
        `the run cancelled in a long pause ended with status ${String(status)}`,
        {},
        { frames: [completed] },
      );
    },
  },
  {
    id: 'R-5.2/cancel-closes-open-tool-first',
    rules: ['R-5.2', 'R-5.3', 'R-5.7'],
    title:
      'cancel while a slow tool call is open: its tool_completed comes before agent_completed, nothing after',
    requires: ['cancel', 'tools', 'scenarios'],
    timeoutMs: 25_000,
    async run(context) {
      const stepMs = 2500;
      const connection = await context.session();
      const ack = await connection.startRunAcked({
        scenario: { tools: 1, stream_chunks: 1, thinking: false, delay_ms: stepMs },
      });
      const executing = await connection.waitFor(
        (f) => f.type === 'tool_executing' && f.run_id === ack.run_id,
        stepMs + 5000,
        'tool_executing',
      );
      const toolCallId = (executing.data as { tool_call_id?: unknown } | undefined)?.tool_call_id;
      const answer = await connection.request({ type: 'cancel', run_id: ack.run_id });
      expectEqual(answer.type, 'ack', 'answer to cancel while a tool call is open');
      // How soon the run ends is R-5.7's to judge; here only the order it ends in counts.
      await connection
        .waitForRunEnd(ack.run_id, stepMs + 5000)
        .catch(() => fail('the run never ended after cancel', {}, { frames: [executing, answer] }));
      await sleep(500); // anything the run still sends after its agent_completed
      const events = connection.eventsOfRun(ack.run_id);
      const end = events.findIndex((event) => event.type === 'agent_completed');
      const closesTheCall = (f: { type?: unknown; run_id?: unknown; data?: unknown }) =>
        f.type === 'tool_completed' &&
        f.run_id === ack.run_id &&
        (f.data as { tool_call_id?: unknown } | undefined)?.tool_call_id === toolCallId;
      if (!events.slice(0, end).some(closesTheCall)) {
        // The run ended with the call open; wait a while longer to show a tool_completed that comes late.
        const late = await connection
          .waitFor(closesTheCall, stepMs, 'a late tool_completed')
          .catch(() => undefined);
        fail(
          `agent_completed (seq ${events[end]!.seq}) ended the cancelled run while tool call ${String(toolCallId)} was open${late ? `; its tool_completed came after it (seq ${String(late.seq)})` : ', which was never completed'}`,
          { status: statusOf(events.slice(0, end + 1)) },
          { frames: [executing, events[end], ...(late ? [late] : [])] },
        );
      }
      expectNoStreamViolations(
        'the run cancelled during a tool call',
        (o) => runFramingViolations(events, o),
        (o) => toolPairingViolations(events, o),
      );
      // The call did not succeed: its tool_completed must not claim ok with no result.
      const closing = events.slice(0, end).filter(closesTheCall);
      const malformed = schemaViolations(closing);
      expectTrue(
        malformed.length === 0,
        `the cancelled tool call's tool_completed: ${malformed[0]}`,
        {},
        { frames: closing },
      );
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
