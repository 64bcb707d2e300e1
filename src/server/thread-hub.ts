/**
 * Threads, their event logs and who is subscribed to them. Every event of a thread goes through
 * `append`, which is the single place that assigns `seq` and `ts`, stores the
 * event for `resume`, and delivers it to the owner's subscribed connections only.
 */
import { randomUUID } from 'node:crypto';
import type { AgentEvent, EventType } from '../protocol/index.js';
import { FaultSet } from './faults.js';

export interface Subscriber {
  readonly userId: string;
  deliver(event: AgentEvent): void;
}

interface Thread {
  readonly id: string;
  readonly ownerId: string;
  readonly events: AgentEvent[];
  readonly subscribers: Set<Subscriber>;
  lastSeq: number;
  lastTsMs: number;
}

export class ThreadHub {
  private readonly threads = new Map<string, Thread>();
  /** Only the cross-user-leak fault reads it: the thread the previous event went to. */
  private previousThread: Thread | undefined;

  constructor(private readonly faults: FaultSet = FaultSet.none) {}

  create(ownerId: string): string {
    const id = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    this.threads.set(id, { id, ownerId, events: [], subscribers: new Set(), lastSeq: 0, lastTsMs: 0 });
    return id;
  }

  /** True only when the thread exists and belongs to the user: callers answer not_found otherwise. */
  isOwnedBy(threadId: string, userId: string): boolean {
    return this.threads.get(threadId)?.ownerId === userId;
  }

  subscribe(threadId: string, subscriber: Subscriber): void {
    const thread = this.mustGet(threadId);
    if (thread.ownerId !== subscriber.userId) throw new Error('subscriber does not own the thread');
    thread.subscribers.add(subscriber);
  }

  unsubscribeEverywhere(subscriber: Subscriber): void {
    for (const thread of this.threads.values()) thread.subscribers.delete(subscriber);
  }

  eventsAfter(threadId: string, afterSeq: number): AgentEvent[] {
    return this.mustGet(threadId).events.filter((event) => event.seq > afterSeq);
  }

  append(threadId: string, runId: string, type: EventType, data: Record<string, unknown>): AgentEvent {
    const thread = this.mustGet(threadId);
    const { faults } = this;
    const count = thread.events.length;
    let tsMs = Math.max(Date.now(), thread.lastTsMs);
    if (faults.has('ts-backwards') && count % 3 === 2) tsMs = thread.lastTsMs - 5;
    thread.lastTsMs = tsMs;
    let seq = thread.lastSeq + 1;
    if (faults.has('seq-gap') && count === 2) seq += 1;
    if (faults.has('seq-dup') && count === 2) seq = thread.lastSeq;
    thread.lastSeq = seq;
    const event = {
      type,
      thread_id: threadId,
      run_id: runId,
      seq,
      ts: new Date(tsMs).toISOString(),
      data,
    } as AgentEvent;
    thread.events.push(event);
    for (const subscriber of thread.subscribers) subscriber.deliver(event);
    if (faults.has('cross-user-leak')) {
      const previous = this.previousThread;
      if (previous && previous !== thread)
        for (const subscriber of previous.subscribers) subscriber.deliver(event);
      this.previousThread = thread;
    }
    return event;
  }

  private mustGet(threadId: string): Thread {
    const thread = this.threads.get(threadId);
    if (!thread) throw new Error(`unknown thread ${threadId}`);
    return thread;
  }
}
