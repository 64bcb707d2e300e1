/** Section 4 of AEP/1: user_message, resume, ping, thread ownership, subscriptions and scenarios. */
import type { AgentEvent } from '../protocol/index.js';
import type { Check } from './check.js';
import { expectEqual, expectErrorAnswer, expectTrue, fail } from './expect.js';
import { countOfType, followedThread, scenario, sleep } from './helpers.js';

function sameEvents(a: readonly AgentEvent[], b: readonly AgentEvent[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const clientFrameChecks: Check[] = [
  {
    id: '§4/ping-pong',
    rules: ['§4'],
    title: 'ping is answered by pong with the same id',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const answer = await connection.request({ type: 'ping', id: 'ping-42' });
      expectEqual(answer.type, 'pong', 'answer to ping');
      expectEqual(answer.id, 'ping-42', 'pong id');
    },
  },
  {
    id: 'R-4.1/new-thread-acked',
    rules: ['R-4.1'],
    title: 'user_message without thread_id is acked with its id, a new thread_id and a run_id',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const answer = await connection.request({
        type: 'user_message',
        id: 'msg-1',
        text: 'hello',
        scenario: scenario(context),
      });
      expectEqual(answer.type, 'ack', 'answer to user_message');
      expectEqual(answer.id, 'msg-1', 'ack id');
      expectTrue(typeof answer.thread_id === 'string' && answer.thread_id, 'the ack names no thread_id', {
        answer,
      });
      expectTrue(typeof answer.run_id === 'string' && answer.run_id, 'the ack names no run_id', { answer });
      await connection.waitForRunEnd(answer.run_id as string);
    },
  },
  {
    id: 'R-4.1/new-threads-distinct',
    rules: ['R-4.1'],
    title: 'Two user_messages without thread_id start two different threads',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const first = await connection.runToCompletion({ scenario: scenario(context, { tools: 0 }) });
      const second = await connection.runToCompletion({ scenario: scenario(context, { tools: 0 }) });
      expectTrue(
        first.ack.thread_id !== second.ack.thread_id,
        `both messages went to thread ${first.ack.thread_id}`,
      );
    },
  },
  {
    id: 'R-4.1/continue-own-thread',
    rules: ['R-4.1'],
    title: 'user_message with the sender’s thread_id continues that thread',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const first = await connection.runToCompletion({ scenario: scenario(context) });
      const second = await connection.startRunAcked({
        thread_id: first.ack.thread_id,
        scenario: scenario(context),
      });
      expectEqual(second.thread_id, first.ack.thread_id, 'thread_id of the second ack');
      expectTrue(second.run_id !== first.ack.run_id, 'the second run reused the first run_id');
      await connection.waitForRunEnd(second.run_id);
    },
  },
  {
    id: 'R-4.1/foreign-thread-not-found',
    rules: ['R-4.1'],
    title: 'user_message to another user’s thread answers error not_found',
    requires: [],
    async run(context) {
      const owner = await context.session({ label: 'owner' });
      const intruder = await context.session({ label: 'intruder' });
      const { ack } = await owner.runToCompletion({ scenario: scenario(context) });
      const answer = await intruder.startRun({ thread_id: ack.thread_id, scenario: scenario(context) });
      expectErrorAnswer(answer, 'not_found', 'user_message to a foreign thread');
      await sleep(50 + context.eventDelayMs * 4);
      expectEqual(
        intruder.eventsOfThread(ack.thread_id!).length,
        0,
        'events of the foreign thread seen by the intruder',
      );
    },
  },
  {
    id: 'R-4.2/second-connection-sees-same-events',
    rules: ['R-4.2'],
    title: 'Two connections of one user subscribed to a thread receive identical events',
    requires: [],
    async run(context) {
      const user = context.newUser();
      const first = await context.session({ user, label: 'first' });
      const second = await context.session({ user, label: 'second' });
      const opening = await first.runToCompletion({ scenario: scenario(context) });
      const threadId = opening.ack.thread_id!;
      const follow = await second.startRunAcked({
        thread_id: threadId,
        scenario: scenario(context, { tools: 2 }),
      });
      const onSecond = await second.waitForRunEnd(follow.run_id);
      const onFirst = await first.waitForRunEnd(follow.run_id);
      expectTrue(sameEvents(onFirst, onSecond), 'the two connections saw different events of the same run', {
        first: onFirst.map((e) => `${e.seq}:${e.type}`),
        second: onSecond.map((e) => `${e.seq}:${e.type}`),
      });
    },
  },
  {
    id: 'R-4.2/message-joins-thread-live',
    rules: ['R-4.2', 'R-5.1'],
    title:
      'A user_message continuing an own thread from a connection not yet in it gets the thread’s events from then on: the new run’s, from the next seq, nothing older',
    requires: [],
    async run(context) {
      const user = context.newUser();
      const first = await context.session({ user, label: 'first' });
      const opening = await first.runToCompletion({ scenario: scenario(context, { tools: 1 }) });
      const threadId = opening.ack.thread_id!;
      const head = opening.events.at(-1)?.seq ?? 0;
      const second = await context.session({ user, label: 'second' });
      const run = await second.startRunAcked({
        thread_id: threadId,
        scenario: scenario(context, { tools: 1 }),
      });
      await second.waitForRunEnd(run.run_id);
      const onFirst = await first.waitForRunEnd(run.run_id);
      // What the thread had before the message is the resume's to replay, when asked for.
      const older = second.eventsOfThread(threadId).filter((event) => event.run_id !== run.run_id);
      expectTrue(
        older.length === 0,
        `the second connection got ${older.length} event(s) of the thread from before its user_message (seq ${older.map((event) => event.seq).join(', ')}); sending it subscribes the connection from then on`,
        { thread_id: threadId },
      );
      const seqs = second.eventsOfThread(threadId).map((event) => event.seq);
      const expected = onFirst.map((event) => event.seq);
      expectTrue(
        expected[0] === head + 1 && JSON.stringify(seqs) === JSON.stringify(expected),
        `the second connection got seqs ${JSON.stringify(seqs)} of the run it started; the first connection got ${JSON.stringify(expected)}, the thread's head before it was ${head}`,
        { thread_id: threadId },
      );
    },
  },
  {
    id: 'R-4.2/resume-subscribes-to-live-events',
    rules: ['R-4.2'],
    title: 'After resume, a connection receives the thread’s new events as they happen',
    requires: ['resume'],
    async run(context) {
      const {
        writer,
        readers: [reader],
        threadId,
      } = await followedThread(context, { writer: 'writer', readers: ['reader'] });
      const live = await writer.startRunAcked({ thread_id: threadId, scenario: scenario(context) });
      const onWriter = await writer.waitForRunEnd(live.run_id);
      const onReader = await reader
        .waitForRunEnd(live.run_id)
        .catch(() => fail('the resumed connection did not receive the new run'));
      expectTrue(sameEvents(onWriter, onReader), 'the resumed connection saw different events');
    },
  },
  {
    id: 'R-4.2/resume-replays-missed-events',
    rules: ['R-4.2', 'R-5.1'],
    title: 'resume with after_seq replays exactly the later events, in order, then acks the count',
    requires: ['resume'],
    async run(context) {
      const user = context.newUser();
      const writer = await context.session({ user, label: 'writer' });
      const { ack, events } = await writer.runToCompletion({ scenario: scenario(context, { tools: 2 }) });
      const after = 2;
      const reader = await context.session({ user, label: 'reader' });
      const answer = await reader.request({ type: 'resume', thread_id: ack.thread_id, after_seq: after });
      expectEqual(answer.type, 'ack', 'answer to resume');
      const expected = events.filter((event) => event.seq > after).map((event) => event.seq);
      const replayed = reader.eventsOfThread(ack.thread_id!).map((event) => event.seq);
      expectEqual(JSON.stringify(replayed), JSON.stringify(expected), 'replayed seqs');
      expectEqual(answer.replayed, expected.length, 'ack.replayed');
    },
  },
  {
    id: 'R-4.3/resume-foreign-not-found',
    rules: ['R-4.3'],
    title: 'resume of another user’s thread answers error not_found and replays nothing',
    requires: ['resume'],
    async run(context) {
      const owner = await context.session({ label: 'owner' });
      const intruder = await context.session({ label: 'intruder' });
      const { ack } = await owner.runToCompletion({ scenario: scenario(context) });
      const answer = await intruder.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
      expectErrorAnswer(answer, 'not_found', 'resume of a foreign thread');
      expectEqual(intruder.eventsOfThread(ack.thread_id!).length, 0, 'events replayed to the intruder');
    },
  },
  {
    id: 'R-4.3/resume-missing-not-found',
    rules: ['R-4.3'],
    title: 'resume of a thread that does not exist answers error not_found',
    requires: ['resume'],
    async run(context) {
      const connection = await context.session();
      const answer = await connection.request({
        type: 'resume',
        thread_id: 't_agentwire_missing',
        after_seq: 0,
      });
      expectErrorAnswer(answer, 'not_found', 'resume of a missing thread');
    },
  },
  {
    id: 'R-4.3/foreign-and-missing-look-alike',
    rules: ['R-4.3'],
    title: 'A foreign thread and a missing thread get the same answer (existence is not revealed)',
    requires: ['resume'],
    async run(context) {
      const owner = await context.session({ label: 'owner' });
      const intruder = await context.session({ label: 'intruder' });
      const { ack } = await owner.runToCompletion({ scenario: scenario(context) });
      const missing = 't_agentwire_missing_0001';
      const foreign = await intruder.request({
        type: 'resume',
        id: 'probe',
        thread_id: ack.thread_id,
        after_seq: 0,
      });
      const absent = await intruder.request({
        type: 'resume',
        id: 'probe-2',
        thread_id: missing,
        after_seq: 0,
      });
      const normalise = (frame: Record<string, unknown>, threadId: string) =>
        JSON.stringify({ ...frame, id: undefined }).replaceAll(threadId, '<thread>');
      expectEqual(
        normalise(foreign, ack.thread_id!),
        normalise(absent, missing),
        'answer for a foreign vs a missing thread',
      );
    },
  },
  {
    id: 'R-4.4/scenario-tool-count',
    rules: ['R-4.4'],
    title: 'scenario.tools sets the number of tool calls',
    requires: ['scenarios', 'tools'],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({ scenario: scenario(context, { tools: 3 }) });
      expectEqual(countOfType(events, 'tool_executing'), 3, 'tool_executing events for tools: 3');
      const none = await connection.runToCompletion({ scenario: scenario(context, { tools: 0 }) });
      expectEqual(countOfType(none.events, 'tool_executing'), 0, 'tool_executing events for tools: 0');
    },
  },
  {
    id: 'R-4.4/scenario-fail-tool',
    rules: ['R-4.4', 'R-5.4'],
    title: 'scenario.fail_tool makes exactly that tool call fail',
    requires: ['scenarios', 'tools'],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({
        scenario: scenario(context, { tools: 3, fail_tool: 2 }),
      });
      const outcomes = events
        .filter((e) => e.type === 'tool_completed')
        .map((e) => (e.data as { ok: boolean }).ok);
      expectEqual(
        JSON.stringify(outcomes),
        JSON.stringify([true, false, true]),
        'ok of the three tool calls',
      );
    },
  },
  {
    id: 'R-4.4/scenario-stream-chunks',
    rules: ['R-4.4'],
    title: 'scenario.stream_chunks sets the number of agent_message chunks',
    requires: ['scenarios', 'streaming'],
    async run(context) {
      const connection = await context.session();
      const { events } = await connection.runToCompletion({
        text: 'a question long enough for five chunks',
        scenario: scenario(context, { stream_chunks: 5 }),
      });
      expectEqual(countOfType(events, 'agent_message'), 5, 'agent_message events for stream_chunks: 5');
    },
  },
  {
    id: 'R-4.4/scenario-thinking',
    rules: ['R-4.4'],
    title: 'scenario.thinking switches agent_thinking on and off',
    requires: ['scenarios'],
    async run(context) {
      const connection = await context.session();
      const on = await connection.runToCompletion({ scenario: scenario(context, { thinking: true }) });
      expectTrue(countOfType(on.events, 'agent_thinking') >= 1, 'no agent_thinking with thinking: true');
      const off = await connection.runToCompletion({ scenario: scenario(context, { thinking: false }) });
      expectEqual(countOfType(off.events, 'agent_thinking'), 0, 'agent_thinking events with thinking: false');
    },
  },
  {
    id: 'R-4.4/scenario-delay',
    rules: ['R-4.4'],
    title: 'scenario.delay_ms paces the run’s events',
    requires: ['scenarios'],
    async run(context) {
      const connection = await context.session();
      const delay = 60;
      const { ack } = await connection.runToCompletion({
        scenario: { tools: 1, stream_chunks: 2, thinking: false, delay_ms: delay },
      });
      const frames = connection.received.filter(
        (f) => f.json?.run_id === ack.run_id && typeof f.json?.seq === 'number',
      );
      const span = frames.at(-1)!.at - frames[0]!.at;
      const minimum = (frames.length - 2) * delay * 0.7;
      expectTrue(
        span >= minimum,
        `${frames.length} events spanned ${span} ms, less than ${minimum} ms for delay_ms ${delay}`,
      );
    },
  },
  {
    id: 'R-4.4/scenario-unknown-keys-ignored',
    rules: ['R-4.4'],
    title: 'Unknown scenario keys are ignored',
    requires: ['scenarios'],
    async run(context) {
      const connection = await context.session();
      const answer = await connection.startRun({
        scenario: { ...scenario(context), weather: 'sunny', tools_v2: [1] } as never,
      });
      expectEqual(answer.type, 'ack', 'answer to a scenario with unknown keys');
      await connection.waitForRunEnd(answer.run_id as string);
    },
  },
];
