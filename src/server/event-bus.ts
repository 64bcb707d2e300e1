/**
 * Fan-out between instances: an event appended on one instance reaches the subscribed
 * connections of every other instance that shares the bus (a user's two tabs may be connected
 * to different instances). Each instance delivers its own events directly and ignores its own
 * messages on the bus, so a single instance pays nothing for it.
 */
import type { AgentEvent } from '../protocol/index.js';
import { FaultSet } from './faults.js';

export type BusHandler = (event: AgentEvent) => void;

export interface EventBus {
  /** Sends the event to every other instance on the bus. */
  publish(origin: string, event: AgentEvent): void;
  /** Calls the handler for events published by instances other than `origin`. */
  subscribe(origin: string, handler: BusHandler): Promise<void>;
  unsubscribe(origin: string): void;
  close(): Promise<void>;
}

/**
 * The instances of this process listening on a bus, each skipping its own events; subclasses
 * decide how events travel to the instances of other processes.
 */
export abstract class ListeningBus implements EventBus {
  private readonly handlers = new Map<string, BusHandler>();

  abstract publish(origin: string, event: AgentEvent): void;

  async subscribe(origin: string, handler: BusHandler): Promise<void> {
    this.handlers.set(origin, handler);
  }

  // Stryker disable all: leaving the bus happens as an instance stops, when it has no session left to deliver to: only memory is held
  unsubscribe(origin: string): void {
    this.handlers.delete(origin);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
  // Stryker restore all

  protected deliver(origin: string, event: AgentEvent): void {
    for (const [instance, handler] of this.handlers) if (instance !== origin) handler(event);
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
}
