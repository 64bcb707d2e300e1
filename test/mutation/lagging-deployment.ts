/**
 * Storage for the reference backend as a real deployment sees it: the event log answers after a
 * network round trip, and the bus between instances delivers late and out of order, sometimes
 * later than the in-order delivery waits before reading the log. With memory that answers at
 * once and a bus that keeps order, the code that copes with those windows (resume holding back
 * live events while it reads, the per-thread append chain, in-order delivery across instances)
 * never runs, and no check could notice it gone. Used only by the mutation harness.
 */
import type { AgentEvent } from '../../src/protocol/index.js';
import { ListeningBus } from '../../src/server/event-bus.js';
import type { EventStore, NewEvent } from '../../src/server/event-store.js';
import { createEmbeddedCluster, type EmbeddedCluster } from '../../src/server/index.js';

/**
 * Delays in milliseconds, taken in turn: fixed, so a mutant meets the same lags as the clean
 * backend did (timers still vary a little). Mostly short, with a few longer than the 50 ms the
 * in-order delivery waits for a missing event before it reads the log.
 */
class Lags {
  private next = 0;
  constructor(private readonly cycle: readonly number[]) {}

  take(): number {
    const lag = this.cycle[this.next % this.cycle.length]!;
    this.next++;
    return lag;
  }

  async wait(): Promise<void> {
    const lag = this.take();
    await new Promise((resolve) => (lag === 0 ? setImmediate(resolve) : setTimeout(resolve, lag)));
  }
}

const STORE_LAGS = [1, 0, 4, 2, 7, 0, 3, 1, 12, 0, 2, 5];
const BUS_LAGS = [0, 9, 2, 0, 70, 4, 1, 25, 0, 3, 60, 6, 0, 15];

/**
 * A remote event log: each answer comes after a lag. An append is stored when it is sent (its
 * seq is taken) and acknowledged only after the lag, as a database commits before the reply
 * reaches the caller; a read sees the log as it is when the answer leaves.
 */
class LaggingStore implements EventStore {
  private readonly lags = new Lags(STORE_LAGS);

  constructor(private readonly log: EventStore) {}

  async createThread(threadId: string, ownerId: string): Promise<void> {
    await this.log.createThread(threadId, ownerId);
    await this.lags.wait();
  }

  async ownerOf(threadId: string): Promise<string | undefined> {
    await this.lags.wait();
    return this.log.ownerOf(threadId);
  }

  async append(event: NewEvent): Promise<AgentEvent> {
    const stored = await this.log.append(event);
    await this.lags.wait();
    return stored;
  }

  async eventsAfter(threadId: string, afterSeq: number): Promise<AgentEvent[]> {
    await this.lags.wait();
    return this.log.eventsAfter(threadId, afterSeq);
  }

  async lastSeq(threadId: string): Promise<number> {
    await this.lags.wait();
    return this.log.lastSeq(threadId);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/** A bus whose messages overtake each other: each is delivered after its own lag. */
class ReorderingBus extends ListeningBus {
  private readonly lags = new Lags(BUS_LAGS);

  publish(origin: string, event: AgentEvent): void {
    setTimeout(() => this.deliver(origin, event), this.lags.take());
  }
}

/** The storage of a deployment whose store and bus are remote and slow (`cluster` of ServerOptions). */
export function laggingDeployment(): EmbeddedCluster {
  const memory = createEmbeddedCluster();
  return { ...memory, store: new LaggingStore(memory.store), bus: new ReorderingBus() };
}
