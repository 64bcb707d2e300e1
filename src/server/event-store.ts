/**
 * Where threads and their events live. The store is the one place that assigns `seq`
 * and `ts`, so every instance that shares a store numbers a thread's events the same
 * way and any of them can answer `resume`. The memory store is the embedded default;
 * `postgres-event-store.ts` is the production one.
 */
import type { AgentEvent, EventType } from '../protocol/index.js';
import { FaultSet } from './faults.js';

export interface NewEvent {
  threadId: string;
  runId: string;
  type: EventType;
  data: Record<string, unknown>;
  /** When the producer stamped the event. Only the ts-stamped-at-step-start fault sets it: the store stamps. */
  stampedAtMs?: number;
}

export interface EventStore {
  createThread(threadId: string, ownerId: string): Promise<void>;
  /** The thread's owner, or undefined when no such thread exists. */
  ownerOf(threadId: string): Promise<string | undefined>;
  /** Numbers the event, stores it durably, and only then returns it for delivery. */
  append(event: NewEvent): Promise<AgentEvent>;
  eventsAfter(threadId: string, afterSeq: number): Promise<AgentEvent[]>;
  /** The highest seq handed out in the thread so far (0 before its first event). */
  lastSeq(threadId: string): Promise<number>;
  close(): Promise<void>;
}

interface StoredThread {
  readonly ownerId: string;
  readonly events: AgentEvent[];
  lastSeq: number;
  lastTsMs: number;
}

/**
 * Threads in this process's memory. Several embedded instances may share one (an in-process
 * cluster); the seq, ts and resume faults live here because this is where those bugs would be.
 */
export class MemoryEventStore implements EventStore {
  private readonly threads = new Map<string, StoredThread>();

  constructor(private readonly faults: FaultSet = FaultSet.none) {}

  async createThread(threadId: string, ownerId: string): Promise<void> {
    // Stryker disable next-line all: thread ids are random (ThreadHub.newThreadId); a clash never happens
    if (this.threads.has(threadId)) throw new Error(`thread ${threadId} exists already`);
    // Stryker disable next-line ArrayDeclaration: a stray entry in a new log is never returned: it has no seq to be after anything
    this.threads.set(threadId, { ownerId, events: [], lastSeq: 0, lastTsMs: 0 });
  }

  async ownerOf(threadId: string): Promise<string | undefined> {
    return this.threads.get(threadId)?.ownerId;
  }

  async append({ threadId, runId, type, data, stampedAtMs }: NewEvent): Promise<AgentEvent> {
    const thread = this.mustGet(threadId);
    const { faults } = this;
    const count = thread.events.length;
    let tsMs = Math.max(Date.now(), thread.lastTsMs);
    // Stryker disable all: fault injection, off in every conformance run
    if (faults.has('ts-stamped-at-step-start') && stampedAtMs !== undefined)
      tsMs = trustedStamp(stampedAtMs, thread);
    // Stryker restore all
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('ts-backwards') && count % 3 === 2) tsMs = thread.lastTsMs - 5;
    thread.lastTsMs = tsMs;
    let seq = thread.lastSeq + 1;
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('seq-gap') && count === 2) seq += 1;
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('seq-dup') && count === 2) seq = thread.lastSeq;
    thread.lastSeq = seq;
    // ts-local-time-as-utc: the wall-clock time of a server in UTC+8, written with a Z.
    // Stryker disable next-line all: fault injection, off in every conformance run
    const shownMs = faults.has('ts-local-time-as-utc') ? tsMs + 8 * 3_600_000 : tsMs;
    const event = {
      type,
      thread_id: threadId,
      run_id: runId,
      seq,
      ts: new Date(shownMs).toISOString(),
      data,
    } as AgentEvent;
    thread.events.push(event);
    return event;
  }

  async eventsAfter(threadId: string, afterSeq: number): Promise<AgentEvent[]> {
    return this.mustGet(threadId).events.filter((event) => event.seq > afterSeq);
  }

  async lastSeq(threadId: string): Promise<number> {
    return this.mustGet(threadId).lastSeq;
  }

  async close(): Promise<void> {}

  private mustGet(threadId: string): StoredThread {
    const thread = this.threads.get(threadId);
    // Stryker disable next-line ConditionalExpression,StringLiteral: an error the callers never let happen (they ask ownerOf first)
    if (!thread) throw new Error(`unknown thread ${threadId}`);
    return thread;
  }
}

// Stryker disable all: fault injection, off in every conformance run
/** How far back a producer's stamp may be and still be taken for clock jitter (ts-stamped-at-step-start). */
const JITTER_MS = 100;

/**
 * The producer's stamp, with small regressions evened out as clock jitter between workers and
 * larger ones believed, as if the clock had been set back: fast runs never show the stamp's age,
 * a slow step stamped before its pause does.
 */
function trustedStamp(stampedAtMs: number, thread: StoredThread): number {
  return thread.lastTsMs - stampedAtMs <= JITTER_MS ? Math.max(stampedAtMs, thread.lastTsMs) : stampedAtMs;
}
// Stryker restore all
