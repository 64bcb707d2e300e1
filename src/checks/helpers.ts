/** Small building blocks shared by the check files. */
import { Agent, request } from 'undici';
import { type AepConnection, tlsConnectOptions } from '../client/index.js';
import {
  type AgentEvent,
  CANCEL_DEADLINE_MS,
  describeIssues,
  HEALTH_PATH,
  type Scenario,
  serverFrameSchema,
} from '../protocol/index.js';
import type { CheckContext } from './check.js';
import { expectEqual, fail } from './expect.js';

/** A scenario with the profile's event delay, so checks are fast locally and gentle on staging. */
export function scenario(context: CheckContext, overrides: Scenario = {}): Scenario {
  return { tools: 1, stream_chunks: 2, thinking: false, delay_ms: context.eventDelayMs, ...overrides };
}

/**
 * A thread of one user with one finished run, written on `writer` and followed from its head by
 * each reader (connections of that user opened before the run, each resume acked).
 */
export async function followedThread<const Readers extends readonly string[]>(
  context: CheckContext,
  labels: { writer: string; readers: Readers },
  opening: Scenario = scenario(context),
): Promise<{
  writer: AepConnection;
  readers: { [Index in keyof Readers]: AepConnection };
  threadId: string;
  head: number;
}> {
  const user = context.newUser();
  const writer = await context.session({ user, label: labels.writer });
  const readers: AepConnection[] = [];
  for (const label of labels.readers) readers.push(await context.session({ user, label }));
  const first = await writer.runToCompletion({ scenario: opening });
  const threadId = first.ack.thread_id!;
  const head = first.events.at(-1)?.seq ?? 0;
  for (const reader of readers) {
    const answer = await reader.request({ type: 'resume', thread_id: threadId, after_seq: head });
    expectEqual(answer.type, 'ack', `answer to resume on ${reader.label}`);
  }
  return { writer, readers: readers as { [Index in keyof Readers]: AepConnection }, threadId, head };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function countOfType(events: readonly { type: string }[], type: string): number {
  return events.filter((event) => event.type === type).length;
}

/** agent_completed.data.status of the run's last event, if any. */
export function statusOf(events: readonly { data?: unknown }[]): unknown {
  return (events.at(-1)?.data as { status?: unknown } | undefined)?.status;
}

/**
 * Cancels a running run: the cancel must be acked and the run must end soon after.
 * Returns the run's events and how long after the cancel it ended, for the caller's judgement.
 */
export async function cancelRun(
  connection: AepConnection,
  runId: string,
): Promise<{ events: AgentEvent[]; elapsedMs: number }> {
  const sentAt = Date.now();
  const answer = await connection.request({ type: 'cancel', run_id: runId });
  expectEqual(answer.type, 'ack', 'answer to cancel of a running run');
  const events = await connection
    .waitForRunEnd(runId, CANCEL_DEADLINE_MS + 500)
    .catch(() =>
      fail(`the run did not end within ${CANCEL_DEADLINE_MS} ms of cancel`, {}, { frames: [answer] }),
    );
  return { events, elapsedMs: Date.now() - sentAt };
}

/** GET /health of the target, with its headers and TLS options. */
export function getHealth(context: CheckContext): ReturnType<typeof request> {
  const url = new URL(HEALTH_PATH, context.target.httpUrl);
  context.transcript.note(`GET ${url}`);
  const tls = tlsConnectOptions(context.target.transport?.tls);
  return request(url, {
    method: 'GET',
    headersTimeout: 3000,
    bodyTimeout: 3000,
    ...(context.target.transport?.headers ? { headers: context.target.transport.headers } : {}),
    ...(Object.keys(tls).length ? { dispatcher: new Agent({ connect: tls }) } : {}),
  });
}

/**
 * How far the server's clock is ahead of this one, from the `Date` header of GET /health
 * (whole seconds, so taken as the middle of its second); undefined when it sends none.
 */
export async function serverClockAheadMs(context: CheckContext): Promise<number | undefined> {
  const sent = Date.now();
  const response = await getHealth(context).catch(() => undefined);
  if (!response) return undefined;
  await response.body.dump();
  const received = Date.now();
  const date = Date.parse(String(response.headers.date ?? ''));
  return Number.isNaN(date) ? undefined : date + 500 - (sent + received) / 2;
}

/** Every frame is a valid server frame of AEP/1 (section 4 and 5 schemas, R-1.2). */
export function expectFramesMatchSchemas(frames: Iterable<Record<string, unknown>>): void {
  for (const frame of frames) {
    const result = serverFrameSchema.safeParse(frame);
    if (!result.success)
      fail(`${String(frame.type)} frame is malformed: ${describeIssues(result.error)}`, { frame });
  }
}
