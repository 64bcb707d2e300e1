/**
 * Storage for the reference backend as a real deployment sees it: the event log, the in-flight
 * limiter and the instance leases answer after a network round trip, and the bus between
 * instances delivers late, out of order and now and then not at all, sometimes later than the
 * in-order delivery waits before reading the log. With memory that answers at once and a bus
 * that keeps order, the code that copes with those windows (resume holding back live events
 * while it reads, the per-thread append chain, in-order delivery across instances) never runs,
 * and no check could notice it gone. Used only by the mutation harness.
 */
import type { AgentEvent } from '../../src/protocol/index.js';
import { LocalEventBus } from '../../src/server/event-bus.js';
import { createEmbeddedCluster, type EmbeddedCluster } from '../../src/server/index.js';

/**
 * Delays in milliseconds, taken in turn from a fixed cycle rather than at random (which call
 * meets which lag still depends on how calls interleave). Mostly short, with a few longer than
 * the 50 ms the in-order delivery waits for a missing event before it reads the log.
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

const SERVICE_LAGS = [1, 0, 4, 2, 7, 0, 3, 1, 12, 0, 2, 5];
/**
 * The in-flight limiter answers slowly every time (Redis beside a busy instance): a run's slot is
 * given back, and its record forgotten, well after its agent_completed went out, which is the
 * window where a cancel of a run that just ended reaches another instance.
 */
const LIMITER_LAGS = [10, 14, 11, 16];
const BUS_LAGS = [0, 9, 2, 70, 4, 1, 55, 0, 3, 60, 6, 0, 80, 15];

/**
 * A remote service: each call does its work at once, as the server on the other end would, and
 * its answer arrives after a lag. An append is stored (its seq taken) before the caller hears of
 * it; a read answers with the log as it was when the read was served, so what is appended while
 * the answer travels is in the live stream only.
 */
function remote<Service extends object>(service: Service, lags: Lags): Service {
  return new Proxy(service, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver);
      if (typeof member !== 'function' || key === 'close') return member;
      return async (...args: unknown[]) => {
        const answer = await member.apply(target, args);
        await lags.wait();
        return answer;
      };
    },
  });
}

/** Every how many messages the bus loses one (pub/sub delivers at most once). */
const LOST_EVERY = 9;

/**
 * A bus whose messages overtake each other (each is delivered after its own lag) and now and
 * then get lost, as pub/sub loses them across a reconnect. It loses only events that a later
 * event of the same run follows: the in-order delivery recovers a loss it can see, a gap before
 * the next event, and a run's agent_completed has no next event to show it.
 */
class ReorderingBus extends LocalEventBus {
  private readonly lags = new Lags(BUS_LAGS);
  private published = 0;

  override publish(origin: string, event: AgentEvent): void {
    this.published++;
    if (this.published % LOST_EVERY === 0 && event.type !== 'agent_completed') return;
    setTimeout(() => this.deliver(origin, event), this.lags.take());
  }

  /** Late like an event, never lost: nothing would show the loss of a cancel to recover it. */
  override requestCancel(runId: string): void {
    setTimeout(() => super.requestCancel(runId), this.lags.take());
  }
}

/** The storage of a deployment whose services are remote and slow (`cluster` of ServerOptions). */
export function laggingDeployment(): EmbeddedCluster {
  const memory = createEmbeddedCluster();
  return {
    store: remote(memory.store, new Lags(SERVICE_LAGS)),
    limiter: remote(memory.limiter, new Lags(LIMITER_LAGS)),
    leases: remote(memory.leases, new Lags(SERVICE_LAGS)),
    bus: new ReorderingBus(),
  };
}
