/**
 * Fan-out between instances: an event appended on one instance reaches the subscribed
 * connections of every other instance that shares the bus (a user's two tabs may be connected
 * to different instances), and a cancel accepted on one instance reaches the instance executing
 * the run. Each instance delivers its own events directly and ignores its own messages on the
 * bus, so a single instance pays nothing for it.
 */
import type { AgentEvent } from '../protocol/index.js';
import { FaultSet } from './faults.js';

/** What an instance does with its siblings' messages. */
export interface BusListener {
  event(event: AgentEvent): void;
  /** A sibling accepted a cancel of this run: abort it if it executes here. */
  cancel(runId: string): void;
}

export interface EventBus {
  /** Sends the event to every other instance on the bus. */
  publish(origin: string, event: AgentEvent): void;
  /** Asks every instance on the bus to abort the run, if it executes it. */
  requestCancel(runId: string): void;
  /** Hands the listener what instances other than `origin` publish. */
  subscribe(origin: string, listener: BusListener): Promise<void>;
  unsubscribe(origin: string): void;
  close(): Promise<void>;
}

/**
 * The instances of this process listening on a bus, each skipping its own events; subclasses
 * decide how events travel to the instances of other processes.
 */
export abstract class ListeningBus implements EventBus {
  private readonly listeners = new Map<string, BusListener>();

  abstract publish(origin: string, event: AgentEvent): void;
  abstract requestCancel(runId: string): void;

  async subscribe(origin: string, listener: BusListener): Promise<void> {
    this.listeners.set(origin, listener);
  }

  // Stryker disable all: leaving the bus happens as an instance stops, when it has no session left to deliver to: only memory is held
  unsubscribe(origin: string): void {
    this.listeners.delete(origin);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
  // Stryker restore all

  protected deliver(origin: string, event: AgentEvent): void {
    for (const [instance, listener] of this.listeners) if (instance !== origin) listener.event(event);
  }

  /** To every instance, the one that accepted the cancel too: it has no such run of its own. */
  protected deliverCancel(runId: string): void {
    for (const listener of this.listeners.values()) listener.cancel(runId);
  }
}

/** A bus inside one process, for embedded instances that share a MemoryEventStore. */
export class LocalEventBus extends ListeningBus {
  constructor(private readonly faults: FaultSet = FaultSet.none) {
    super();
  }

  publish(origin: string, event: AgentEvent): void {
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (this.faults.has('no-fan-out')) return;
    this.deliver(origin, event);
  }

  requestCancel(runId: string): void {
    this.deliverCancel(runId);
  }
}
