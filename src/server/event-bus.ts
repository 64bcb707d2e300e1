/**
 * Fan-out between instances: an event appended on one instance reaches the subscribed
 * connections of every other instance that shares the bus (a user's two tabs may be connected
 * to different instances). Each instance delivers its own events directly and ignores its own
 * messages on the bus, so a single instance pays nothing for it.
 */
import type { AgentEvent } from '../protocol/index.js';

export type BusHandler = (event: AgentEvent) => void;

export interface EventBus {
  /** Sends the event to every other instance on the bus. */
  publish(origin: string, event: AgentEvent): void;
  /** Calls the handler for events published by instances other than `origin`. */
  subscribe(origin: string, handler: BusHandler): Promise<void>;
  unsubscribe(origin: string): void;
  close(): Promise<void>;
}

/** The instances listening on one bus in this process, each skipping its own events. */
export class BusListeners {
  private readonly handlers = new Map<string, BusHandler>();

  add(origin: string, handler: BusHandler): void {
    this.handlers.set(origin, handler);
  }

  remove(origin: string): void {
    this.handlers.delete(origin);
  }

  clear(): void {
    this.handlers.clear();
  }

  deliver(origin: string, event: AgentEvent): void {
    for (const [instance, handler] of this.handlers) if (instance !== origin) handler(event);
  }
}

/** A bus inside one process, for embedded instances that share a MemoryEventStore. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new BusListeners();

  publish(origin: string, event: AgentEvent): void {
    this.listeners.deliver(origin, event);
  }

  async subscribe(origin: string, handler: BusHandler): Promise<void> {
    this.listeners.add(origin, handler);
  }

  unsubscribe(origin: string): void {
    this.listeners.remove(origin);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
