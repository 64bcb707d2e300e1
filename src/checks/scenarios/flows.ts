/**
 * Scenario checks for the happy path at growing scale: one message end to end, streamed text,
 * one user on two connections, many users at once, and tool calls of parallel runs.
 */
import type { AepConnection } from '../../client/index.js';
import type { AgentEvent } from '../../protocol/index.js';
import type { Check, CheckContext } from '../check.js';
import { expectEqual, expectTrue, fail } from '../expect.js';
import { scenario, statusOf } from '../helpers.js';
import { expectCleanStream, signature } from './stream-assert.js';

const CRITICAL = ['agent_started', 'tool_executing', 'tool_completed', 'agent_message', 'agent_completed'];

export const flowScenarios: Check[] = [
  {
    id: 'scenario/message-flow',
    rules: ['R-4.1', 'R-5.1', 'R-5.2', 'R-5.3'],
    title: 'A message is acked, then all five critical events arrive in order and the run completes ok',
    requires: ['tools'],
    async run(context) {
      const connection = await context.session({ label: 'client' });
      const { ack, events } = await connection.runToCompletion({
        text: 'what is the weather',
        scenario: scenario(context, { tools: 2, stream_chunks: 3, thinking: true }),
      });
      const ackIndex = connection.received.findIndex((frame) => frame.json?.id === ack.id);
      const firstEventIndex = connection.received.findIndex(
        (frame) => frame.json?.run_id === ack.run_id && frame.json?.seq !== undefined,
      );
      expectTrue(
        ackIndex >= 0 && ackIndex < firstEventIndex,
        'the ack did not precede the run’s first event',
        {},
        {
          frames: [connection.received[firstEventIndex]?.json],
        },
      );
      const positions = CRITICAL.map((type) => events.findIndex((event) => event.type === type));
      const missing = CRITICAL.filter((_, index) => positions[index]! < 0);
      if (missing.length > 0)
        fail(
          `the run has no ${missing.join(', ')} event`,
          { seen: events.map((e) => e.type) },
          { frames: events },
        );
      for (let index = 1; index < CRITICAL.length; index++) {
        if (positions[index]! < positions[index - 1]!) {
          fail(
            `${CRITICAL[index]} (seq ${events[positions[index]!]!.seq}) came before ${CRITICAL[index - 1]}`,
            { order: events.map((event) => `${event.seq}:${event.type}`) },
            { frames: [events[positions[index]!], events[positions[index - 1]!]] },
          );
        }
      }
      expectCleanStream(events, 'message flow');
      expectEqual(statusOf(events), 'ok', 'agent_completed.data.status');
    },
  },
  {
    id: 'scenario/streaming',
    rules: ['R-4.4', 'R-5.2'],
    title: 'agent_message chunks arrive one by one and join to the completed text',
    requires: ['streaming', 'scenarios'],
    async run(context) {
      const connection = await context.session({ label: 'client' });
      const chunks = 6;
      const { events } = await connection.runToCompletion({
        text: 'tell me a slightly longer story please',
        scenario: scenario(context, { tools: 0, stream_chunks: chunks }),
      });
      const messages = events.filter((event) => event.type === 'agent_message');
      expectTrue(
        messages.length > 1,
        `the answer came in ${messages.length} chunk(s), expected ${chunks}`,
        {},
        { frames: messages },
      );
      const joined = messages.map((event) => (event.data as { delta?: unknown }).delta).join('');
      const completed = events.at(-1)!;
      const text = (completed.data as { text?: unknown }).text;
      expectTrue(
        typeof text === 'string',
        'agent_completed carries no text to compare the chunks with',
        {},
        { frames: [completed] },
      );
      if (joined !== text) {
        fail(
          'the agent_message deltas do not join to agent_completed.text',
          { joined, text },
          { frames: [...messages, completed] },
        );
      }
    },
  },
  {
    id: 'scenario/fan-out',
    rules: ['R-4.2', 'R-5.1'],
    title: 'Two connections of one user on one thread see identical sequences, whoever starts the runs',
    requires: ['resume'],
    run: (context) => expectSameEventsOnTwoConnections(context),
  },
  {
    id: 'scenario/concurrent-sessions',
    rules: ['R-5.1', 'R-5.2', 'R-5.6'],
    title: 'Many users at once (profile-sized) each complete their runs with clean, private streams',
    requires: [],
    timeoutMs: 30_000,
    async run(context) {
      const { sessions, runsPerSession } = context.sizing;
      const users = await Promise.all(
        Array.from({ length: sessions }, (_, i) => context.session({ label: `u${i + 1}` })),
      );
      const threads = new Map<AepConnection, Set<string>>();
      await Promise.all(
        users.map(async (connection) => {
          const own = new Set<string>();
          threads.set(connection, own);
          let threadId: string | undefined;
          for (let run = 0; run < runsPerSession; run++) {
            const { ack, events } = await connection.runToCompletion({
              ...(threadId ? { thread_id: threadId } : {}),
              scenario: scenario(context, { tools: 1, stream_chunks: 2 }),
            });
            threadId = ack.thread_id!;
            own.add(threadId);
            if (statusOf(events) !== 'ok')
              fail(
                `${connection.label}'s run ended ${String(statusOf(events))}`,
                {},
                { frames: [events.at(-1)] },
              );
          }
        }),
      );
      for (const connection of users) {
        const own = threads.get(connection)!;
        const leak = connection.events().find((event) => !own.has(event.thread_id));
        if (leak)
          fail(`${connection.label} received an event of a thread it does not own`, {}, { frames: [leak] });
        expectCleanStream(connection.events(), `${connection.label}'s stream`);
      }
    },
  },
  {
    id: 'scenario/tool-isolation',
    rules: ['R-5.3', 'R-5.6'],
    title: 'Parallel runs of several users never see each other’s tool_call_ids',
    requires: ['tools'],
    async run(context) {
      const users = await Promise.all(
        Array.from({ length: Math.min(4, context.sizing.sessions) }, (_, i) =>
          context.session({ label: `u${i + 1}` }),
        ),
      );
      const perConnection = await Promise.all(
        users.map(async (connection) => {
          const acks = await Promise.all(
            [1, 2, 3].map(() => connection.startRunAcked({ scenario: scenario(context, { tools: 3 }) })),
          );
          await Promise.all(acks.map((ack) => connection.waitForRunEnd(ack.run_id)));
          return acks.map((ack) => connection.eventsOfRun(ack.run_id));
        }),
      );
      const owner = new Map<string, AgentEvent>();
      for (const runs of perConnection) {
        for (const events of runs) {
          expectCleanStream(events, 'tool calls of one run');
          for (const event of events) {
            const id = (event.data as { tool_call_id?: unknown } | undefined)?.tool_call_id;
            if (typeof id !== 'string') continue;
            const first = owner.get(id);
            if (first && first.run_id !== event.run_id) {
              fail(
                `tool_call_id ${id} appears in runs ${first.run_id} and ${event.run_id}`,
                {},
                { frames: [first, event] },
              );
            }
            owner.set(id, event);
          }
        }
      }
      const seen = users.flatMap((connection) => connection.events());
      expectTrue(owner.size > 0, 'the runs made no tool calls to compare');
      expectEqual(
        seen.filter((event) => event.type === 'tool_executing').length,
        owner.size,
        'distinct tool calls seen',
      );
    },
  },
];

/**
 * One user on two connections (optionally on two instances of one deployment) shares a thread:
 * both connections start runs on it, and both must see the very same events (R-4.2).
 */
export async function expectSameEventsOnTwoConnections(
  context: CheckContext,
  urls: { phone?: string; laptop?: string } = {},
): Promise<void> {
  const user = context.newUser();
  const phone = await context.session({ user, label: 'phone', ...(urls.phone ? { url: urls.phone } : {}) });
  const laptop = await context.session({
    user,
    label: 'laptop',
    ...(urls.laptop ? { url: urls.laptop } : {}),
  });
  const opening = await phone.runToCompletion({ scenario: scenario(context, { tools: 1 }) });
  const threadId = opening.ack.thread_id!;
  const resumed = await laptop.request({ type: 'resume', thread_id: threadId, after_seq: 0 });
  expectEqual(resumed.type, 'ack', 'answer to resume on the second connection');
  const runs = await Promise.all([
    phone.startRunAcked({ thread_id: threadId, scenario: scenario(context, { tools: 2 }) }),
    laptop.startRunAcked({ thread_id: threadId, scenario: scenario(context, { tools: 1 }) }),
  ]);
  const runEnd = (connection: AepConnection, runId: string) =>
    connection
      .waitForRunEnd(runId, 5000)
      .catch(() =>
        fail(
          `${connection.label} never saw the end of run ${runId} on the shared thread`,
          { events_seen: connection.eventsOfRun(runId).length },
          { connections: [connection.label] },
        ),
      );
  for (const run of runs) await Promise.all([runEnd(phone, run.run_id), runEnd(laptop, run.run_id)]);
  // Last, a run from the phone alone: nothing on the laptop's side can reveal a gap to it, so
  // only real fan-out brings these events there.
  const last = await phone.startRunAcked({ thread_id: threadId, scenario: scenario(context, { tools: 1 }) });
  await Promise.all([runEnd(phone, last.run_id), runEnd(laptop, last.run_id)]);
  const onPhone = phone.eventsOfThread(threadId);
  const onLaptop = laptop.eventsOfThread(threadId);
  expectCleanStream(onPhone, 'thread on phone');
  expectCleanStream(onLaptop, 'thread on laptop');
  const length = Math.max(onPhone.length, onLaptop.length);
  for (let index = 0; index < length; index++) {
    const a = onPhone[index];
    const b = onLaptop[index];
    if (!a || !b || signature(a) !== signature(b)) {
      fail(
        `the connections diverge at position ${index + 1}: phone has ${a ? `${a.seq}:${a.type}` : 'nothing'}, laptop ${b ? `${b.seq}:${b.type}` : 'nothing'}`,
        { phone: onPhone.length, laptop: onLaptop.length },
        { frames: [a, b].filter(Boolean) },
      );
    }
  }
}
