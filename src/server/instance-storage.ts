/**
 * Where an instance keeps its threads and how it reaches its siblings: in memory (one instance,
 * or an embedded cluster sharing one memory), or Postgres for the event log and Redis for the
 * fan-out, the in-flight limit and the leases (production). The drivers load only in production.
 */
import { type EventBus, LocalEventBus } from './event-bus.js';
import { type EventStore, MemoryEventStore } from './event-store.js';
import type { FaultSet } from './faults.js';
import { type InstanceLeases, MemoryInstanceLeases, RedisInstanceLeases } from './instance-leases.js';
import { MemoryRunLimiter, RedisRunLimiter, type RunLimiter } from './run-limiter.js';

/** What `openStorage` needs of the server's options. */
export interface StorageOptions {
  production?: ProductionStorage;
  /** Embedded instances in one process that share their threads (createEmbeddedCluster). */
  cluster?: EmbeddedCluster;
}

export interface ProductionStorage {
  databaseUrl: string;
  redisUrl: string;
  /** Postgres schema of the event log (default `agentwire`). */
  schema?: string;
  /** Redis channel of the fan-out (default `agentwire:events`). */
  channel?: string;
}

export interface EmbeddedCluster {
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly limiter: RunLimiter;
  /** Which instance executes which run, and which instances are alive. */
  readonly leases: InstanceLeases;
}

export function memoryStorage(faults: FaultSet): EmbeddedCluster {
  return {
    store: new MemoryEventStore(faults),
    bus: new LocalEventBus(faults),
    limiter: new MemoryRunLimiter(),
    leases: new MemoryInstanceLeases(),
  };
}

export interface OpenedStorage extends EmbeddedCluster {
  /** Closes what this instance opened itself; a cluster's shared memory outlives it. */
  release(): Promise<void>;
}

export async function openStorage(
  options: StorageOptions,
  faults: FaultSet,
  onBusError: () => void,
): Promise<OpenedStorage> {
  if (options.production) {
    const { databaseUrl, redisUrl, schema, channel } = options.production;
    // Loaded only in production mode: the embedded default never pays for the drivers.
    const [{ PostgresEventStore }, { RedisEventBus }] = await Promise.all([
      import('./postgres-event-store.js'),
      import('./redis-event-bus.js'),
    ]);
    const store = await PostgresEventStore.open({ databaseUrl, schema });
    let bus: Awaited<ReturnType<typeof RedisEventBus.open>>;
    try {
      bus = await RedisEventBus.open({ redisUrl, channel, onPublishError: onBusError });
    } catch (error) {
      await store.close();
      throw error;
    }
    const limiter = new RedisRunLimiter(bus.commands, bus.channelName);
    return {
      store,
      bus,
      limiter,
      // Keyed by schema too: deployments that share a Redis but not an event log never take
      // over each other's runs.
      leases: new RedisInstanceLeases(bus.commands, `${bus.channelName}:${store.schemaName}`),
      release: async () => void (await Promise.all([store.close(), bus.close()])),
    };
  }
  return { ...(options.cluster ?? memoryStorage(faults)), release: async () => {} };
}
