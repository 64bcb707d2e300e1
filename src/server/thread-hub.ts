/**
 * Threads, their event logs and who is subscribed to them. Every event of a thread goes through
 * `append`, which is the single place that assigns `seq` and `ts`, stores the
 * event for `resume`, and delivers it to the owner's subscribed connections only.
 */
import { randomUUID } from 'node:crypto';
import type { AgentEvent, EventType } from '../protocol/index.js';

export interface Subscriber {
  readonly userId: string;
  deliver(event: AgentEvent): void;
}

interface Thread {
  readonly id: string;
  readonly ownerId: string;
  readonly events: AgentEvent[];
  readonly subscribers: Set<Subscriber>;
  lastTsMs: number;
}

export class ThreadHub {
  private readonly threads = new Map<string, Thread>();

  create(ownerId: string): string {
    const id = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    this.threads.set(id, { id, ownerId, events: [], subscribers: new Set(), lastTsMs: 0 });
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
    const tsMs = Math.max(Date.now(), thread.lastTsMs);
    thread.lastTsMs = tsMs;
    const event = {
      type,
      thread_id: threadId,
      run_id: runId,
      seq: thread.events.length + 1,
      ts: new Date(tsMs).toISOString(),
      data,
    } as AgentEvent;
    thread.events.push(event);
    for (const subscriber of thread.subscribers) subscriber.deliver(event);
    return event;
  }

  private mustGet(threadId: string): Thread {
    const thread = this.threads.get(threadId);
    if (!thread) throw new Error(`unknown thread ${threadId}`);
    return thread;
  }
}
