/**
 * This instance's view of the threads: who is subscribed here, and the path every event takes —
 * numbered and stored by the event store, then delivered to the owner's subscribed connections
 * only, here directly and on other instances through the bus. Appends to one
 * thread are chained so its events are delivered in `seq` order even when the store is remote.
 */
import { randomUUID } from 'node:crypto';
import type { AgentEvent, EventType } from '../protocol/index.js';
import type { EventBus } from './event-bus.js';
import type { EventStore } from './event-store.js';
import { FaultSet } from './faults.js';

export interface Subscriber {
  readonly userId: string;
  deliver(event: AgentEvent): void;
}

/** An append for a run this instance no longer owns (it crashed, or another took the run over). */
// Stryker disable all: the error's words never reach the wire: the run's end is what clients see
export class RunLostError extends Error {
  constructor(runId: string) {
    super(`run ${runId} is no longer this instance's`);
    this.name = 'RunLostError';
  }
}
// Stryker restore all

export class ThreadHub {
  // Stryker disable next-line MethodExpression,StringLiteral: with or without the dashes, cut or not, the id is unique
  readonly instanceId = `i_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly appendChains = new Map<string, Promise<unknown>>();
  /** Runs whose events this instance may no longer append (a crash, or another took them over). */
  private readonly disowned = new Set<string>();
  private halted = false;
  /** Only the cross-user-leak fault reads it: the thread the previous event went to. */
  private previousThreadId: string | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly bus: EventBus,
    private readonly faults: FaultSet = FaultSet.none,
    private readonly onStoreError: () => void = () => {},
  ) {}

  /**
   * Starts receiving other instances' events, and the cancels they accepted for runs that may
   * execute here (`onCancelRequested` aborts the run if it does).
   */
  async open(onCancelRequested: (runId: string) => void): Promise<void> {
    await this.bus.subscribe(this.instanceId, {
      event: (event) => this.deliverHere(event),
      cancel: onCancelRequested,
    });
  }

  /** Asks the instance executing the run, wherever it is, to abort it. */
  requestCancel(runId: string): void {
    this.bus.requestCancel(runId);
  }

  // Stryker disable next-line all: a closed instance has no session left to deliver to; leaving the bus only frees memory
  close(): void {
    this.bus.unsubscribe(this.instanceId);
  }

  /** As a crash does: nothing more is appended or delivered from here. */
  halt(): void {
    this.halted = true;
  }

  /** Another instance ended the run: this one must not add to it. */
  // Stryker disable next-line all: only an instance whose lease lapsed while it lived (a stall) disowns its runs: no check stalls an instance
  disown(runId: string): void {
    this.disowned.add(runId);
  }

  /** True when the run's end and in-flight slot are no longer this instance's to handle. */
  hasLost(runId: string): boolean {
    return this.halted || this.disowned.has(runId);
  }

  newThreadId(): string {
    // Stryker disable next-line MethodExpression,StringLiteral: with or without the dashes, cut or not, the id is unique
    return `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  }

  create(threadId: string, ownerId: string): Promise<void> {
    return this.store.createThread(threadId, ownerId);
  }

  // Stryker disable all: fault injection, off in every conformance run
  /** Only the unknown-thread-upserted fault asks. */
  async exists(threadId: string): Promise<boolean> {
    return (await this.store.ownerOf(threadId)) !== undefined;
  }
  // Stryker restore all

  /** True only when the thread exists and belongs to the user: callers answer not_found otherwise. */
  async isOwnedBy(threadId: string, userId: string): Promise<boolean> {
    return (await this.store.ownerOf(threadId)) === userId;
  }

  /** The caller has checked ownership (isOwnedBy) first. */
  subscribe(threadId: string, subscriber: Subscriber): void {
    const set = this.subscribers.get(threadId) ?? new Set<Subscriber>();
    set.add(subscriber);
    this.subscribers.set(threadId, set);
  }

  // Stryker disable all: a closed connection's socket is gone, so delivering to it shows nowhere: this only frees memory (and holds the disconnect-unsubscribes-user fault, off in every conformance run)
  unsubscribeEverywhere(subscriber: Subscriber): void {
    for (const [threadId, set] of this.subscribers) {
      if (this.faults.has('disconnect-unsubscribes-user') && set.has(subscriber)) {
        // Membership kept per user rather than per connection: one tab closing leaves for all.
        for (const other of set) if (other.userId === subscriber.userId) set.delete(other);
      }
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(threadId);
    }
  }
  // Stryker restore all

  lastSeq(threadId: string): Promise<number> {
    return this.store.lastSeq(threadId);
  }

  eventsAfter(threadId: string, afterSeq: number): Promise<AgentEvent[]> {
    return this.store.eventsAfter(threadId, afterSeq);
  }

  /** True once the run's agent_completed is in the thread's log: to a client it is finished. */
  async hasEnded(threadId: string, runId: string): Promise<boolean> {
    const events = await this.store.eventsAfter(threadId, 0);
    return events.some((event) => event.run_id === runId && event.type === 'agent_completed');
  }

  append(
    threadId: string,
    runId: string,
    type: EventType,
    data: Record<string, unknown>,
    stampedAtMs?: number,
  ): Promise<AgentEvent> {
    const previous = this.appendChains.get(threadId) ?? Promise.resolve();
    const appended = previous
      .catch(() => undefined)
      .then(() => {
        if (this.hasLost(runId)) throw new RunLostError(runId);
        // Stryker disable next-line ArrowFunction,BlockStatement: counts store failures for /metrics; the embedded store never fails
        return this.store.append({ threadId, runId, type, data, stampedAtMs }).catch((error: unknown) => {
          // Stryker disable next-line all: counts store failures for /metrics; the embedded store never fails
          this.onStoreError();
          throw error;
        });
      })
      .then((event) => {
        this.deliverHere(event);
        this.bus.publish(this.instanceId, event);
        return event;
      });
    this.appendChains.set(threadId, appended);
    // Stryker disable all: bookkeeping once an append settled: dropping its chain only frees memory (the next append chains on a settled promise either way)
    void appended
      .catch(() => undefined)
      .then(() => {
        if (this.appendChains.get(threadId) === appended) this.appendChains.delete(threadId);
      });
    // Stryker restore all
    return appended;
  }

  private deliverHere(event: AgentEvent): void {
    for (const subscriber of this.subscribers.get(event.thread_id) ?? []) subscriber.deliver(event);
    // Stryker disable all: fault injection, off in every conformance run
    if (this.faults.has('cross-user-leak')) {
      const previous = this.previousThreadId;
      if (previous && previous !== event.thread_id)
        for (const subscriber of this.subscribers.get(previous) ?? []) subscriber.deliver(event);
      this.previousThreadId = event.thread_id;
    }
    // Stryker restore all
  }
}
