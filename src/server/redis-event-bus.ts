/**
 * The production fan-out: every instance publishes the events it appends, and the cancels it
 * accepts for runs it does not execute, on one Redis channel, and delivers what the others
 * publish to its own subscribed connections (or its own runs). Redis keeps the order
 * of one publisher's messages, not across publishers: when two instances write one thread,
 * each connection restores `seq` order itself (in-order-delivery.ts).
 */
import { Redis } from 'ioredis';
import type { AgentEvent } from '../protocol/index.js';
import { ListeningBus } from './event-bus.js';

export interface RedisBusOptions {
  redisUrl: string;
  /** The channel instances of one deployment share. */
  channel?: string;
  /** Counts what the fan-out lost (metrics). */
  onPublishError?: () => void;
}

export const DEFAULT_CHANNEL = 'agentwire:events';

type BusMessage = { origin: string; event: AgentEvent } | { cancel: string };

export class RedisEventBus extends ListeningBus {
  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly onPublishError: () => void = () => {},
  ) {
    super();
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = JSON.parse(text) as BusMessage;
      if ('cancel' in message) this.deliverCancel(message.cancel);
      else this.deliver(message.origin, message.event);
    });
  }

  static async open(options: RedisBusOptions): Promise<RedisEventBus> {
    const connect = () =>
      new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
    const publisher = connect();
    const subscriber = connect();
    // ioredis reconnects on its own; the error events it emits meanwhile must not crash the process.
    for (const client of [publisher, subscriber]) client.on('error', () => {});
    try {
      await Promise.all([publisher.connect(), subscriber.connect()]);
      const channel = options.channel ?? DEFAULT_CHANNEL;
      await subscriber.subscribe(channel);
      return new RedisEventBus(publisher, subscriber, channel, options.onPublishError);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      throw new Error(`Redis fan-out unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The connection for commands (the subscriber's is in subscribe mode), for the run limiter. */
  get commands(): Redis {
    return this.publisher;
  }

  get channelName(): string {
    return this.channel;
  }

  publish(origin: string, event: AgentEvent): void {
    // A lost publish only delays other instances' subscribers until they resume: the event is
    // already in the log.
    this.send({ origin, event });
  }

  requestCancel(runId: string): void {
    this.send({ cancel: runId });
  }

  private send(message: BusMessage): void {
    void this.publisher.publish(this.channel, JSON.stringify(message)).catch(() => this.onPublishError());
  }

  override async close(): Promise<void> {
    await super.close();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
