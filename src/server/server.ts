/**
 * The reference AEP/1 backend, assembled: storage (memory, or Postgres and Redis), the thread
 * hub and lease keeper, the HTTP routes (`http-routes.ts`), the WebSocket handshake that hands
 * each accepted socket to a Session (`websocket-handshake.ts`), and the way it stops
 * (`drain.ts`: graceful drain, R-6.4, or as a crash would, R-6.5). Also clusters of instances
 * that share one deployment's threads.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DestinationStream } from 'pino';
import {
  CAPABILITIES,
  type Capability,
  DEFAULT_LIMITS,
  DEFAULT_WS_PATH,
  type Limits,
} from '../protocol/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { type JwtAlgorithm, type PublicKeyVerification, TokenVerifier } from './auth.js';
import { InstanceShutdown } from './drain.js';
import { faultSetOf } from './faults.js';
import { httpRoutes } from './http-routes.js';
import {
  type EmbeddedCluster,
  memoryStorage,
  openStorage,
  type ProductionStorage,
} from './instance-storage.js';
import { LeaseKeeper, type LeaseTiming } from './lease-keeper.js';
import { createLogger, type LogLevel } from './logger.js';
import { ServerMetrics } from './metrics.js';
import { RunRegistry } from './run-registry.js';
import { Session, type SessionContext } from './session.js';
import { ThreadHub } from './thread-hub.js';
import { websocketHandshake } from './websocket-handshake.js';

export { METRICS_PATH } from './http-routes.js';
export type { EmbeddedCluster, ProductionStorage } from './instance-storage.js';

export interface ServerOptions {
  jwtSecret: string;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  path?: string;
  jwtAlgorithm?: JwtAlgorithm;
  /** Verify tokens with a public key or a JWKS instead of `jwtSecret`. */
  jwtPublicKey?: PublicKeyVerification;
  /** Serve wss:// and https:// with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** When set, a request whose Origin header is present and not listed is refused with 403. */
  allowedOrigins?: string[];
  limits?: Partial<Limits>;
  capabilities?: readonly Capability[];
  logLevel?: LogLevel;
  /** Where logs go (default stderr, as JSON lines). */
  logDestination?: DestinationStream;
  /** How long close() waits for running runs before closing sessions anyway. */
  drainTimeoutMs?: number;
  /**
   * `production` keeps threads in Postgres and fans events out through Redis, so several
   * instances serve one deployment; it needs `production` and refuses faults. `embedded` (the
   * default) keeps them in memory.
   */
  mode?: 'embedded' | 'production';
  production?: ProductionStorage;
  /** Embedded instances in one process that share their threads (createEmbeddedCluster). */
  cluster?: EmbeddedCluster;
  /** Deliberate bugs (see faults.ts); refused in production. */
  faults?: readonly string[];
  /**
   * Called after a fault crashed the server. In-process the crash is what the wire sees (every
   * socket destroyed, the port closed); `agentwire serve` also exits the process.
   */
  onCrash?: () => void;
  /** Lease timing of a deployment of several instances; the defaults end orphans within 4 s. */
  leaseTiming?: Partial<LeaseTiming>;
}

/** Shared memory for several embedded instances: a resume on one finds what another appended. */
export function createEmbeddedCluster(faults?: readonly string[]): EmbeddedCluster {
  return memoryStorage(faultSetOf(faults, 'embedded'));
}

/**
 * Several instances of one deployment: in production they share Postgres and Redis like
 * separate processes would; embedded ones share one memory. Ports count up from
 * `options.port`, or are picked free when it is 0.
 */
export async function startCluster(options: ServerOptions, size: number): Promise<RunningServer[]> {
  // One embedded instance is not a cluster: it keeps its threads, and its faults show as they are.
  const shared: ServerOptions =
    options.production || size === 1
      ? options
      : { ...options, cluster: options.cluster ?? createEmbeddedCluster(options.faults) };
  const instances: RunningServer[] = [];
  try {
    for (let index = 0; index < size; index++)
      instances.push(await startServer({ ...shared, port: shared.port ? shared.port + index : 0 }));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.close()));
    throw error;
  }
  return instances;
}

/** Two instances of one deployment for a check that shuts one down and resumes on the other. */
export interface DrainablePair {
  wsUrl: string;
  httpUrl: string;
  /** Drains the first instance. */
  drain(): Promise<void>;
  /** Stops the first instance without draining, as a crash would. */
  crash(): Promise<void>;
  /** The second instance, which outlives the drain. */
  sibling: { wsUrl: string; httpUrl: string };
  /** Stops both. */
  stop(): Promise<void>;
}

export async function startDrainablePair(options: ServerOptions): Promise<DrainablePair> {
  const [first, second] = (await startCluster({ ...options, port: 0 }, 2)) as [RunningServer, RunningServer];
  return {
    wsUrl: first.wsUrl,
    httpUrl: first.httpUrl,
    drain: first.close,
    crash: first.kill,
    sibling: { wsUrl: second.wsUrl, httpUrl: second.httpUrl },
    stop: async () => void (await Promise.all([first.close(), second.close()])),
  };
}

export interface RunningServer {
  wsUrl: string;
  httpUrl: string;
  port: number;
  limits: Limits;
  /** Graceful shutdown. Resolves when every session is closed and the port is free. */
  close(): Promise<void>;
  /**
   * Stops as a crash would: sockets cut, runs left unfinished, the lease left to lapse,
   * so another instance of the deployment must end the runs. Resolves when the port is free.
   */
  kill(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? DEFAULT_WS_PATH;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const mode = options.mode ?? (options.production ? 'production' : 'embedded');
  const faults = faultSetOf(options.faults, mode);
  if (mode === 'production' && !options.production)
    throw new Error('production mode needs a Postgres URL and a Redis URL for its event log and fan-out');
  const sessions = new Set<Session>();
  const runs = new RunRegistry();
  const metrics = new ServerMetrics({ openSessions: () => sessions.size, runsInFlight: () => runs.size });
  const storage = await openStorage(options, faults, () => metrics.busErrors.inc());
  const logger = createLogger(options.logLevel ?? 'warn', options.logDestination);
  if (faults.size)
    logger.warn({ faults: faults.list() }, 'faults injected: this server breaks AEP/1 on purpose');
  const verifier = new TokenVerifier(
    options.jwtSecret,
    options.jwtAlgorithm ?? 'HS256',
    faults,
    options.jwtPublicKey,
  );
  const hub = new ThreadHub(storage.store, storage.bus, faults, () => metrics.storeErrors.inc());
  const clustered = Boolean(options.production || options.cluster);
  // A lone embedded instance has nobody to take its runs over; a deployment's instances do.
  const keeper = clustered
    ? new LeaseKeeper({
        leases: storage.leases,
        hub,
        limiter: storage.limiter,
        logger,
        faults,
        ...(options.leaseTiming ? { timing: options.leaseTiming } : {}),
        onTakeover: (_instanceId, runsEnded) => {
          metrics.leaseTakeovers.inc();
          metrics.orphanedRunsEnded.inc(runsEnded);
        },
        onLeaseLost: () => {
          for (const run of runs.all()) {
            hub.disown(run.runId);
            run.abort.abort();
          }
        },
      })
    : undefined;
  const context: SessionContext = {
    hub,
    runs,
    limiter: storage.limiter,
    limits,
    capabilities: options.capabilities ?? CAPABILITIES,
    server: { name: `${TOOL_NAME}-reference`, version: TOOL_VERSION },
    logger,
    faults,
    crash,
    inOrder: clustered,
    ...(keeper ? { leases: keeper } : {}),
    metrics,
  };
  const agUiRuns = new Set<Promise<void>>();
  const draining = () => shutdown.draining;

  const routes = httpRoutes({
    draining,
    openSessions: () => sessions.size,
    server: context.server,
    metrics,
    logger,
    agUi: {
      verifier,
      logger,
      faults,
      track: (finished: Promise<void>) => {
        agUiRuns.add(finished);
        void finished.finally(() => agUiRuns.delete(finished));
      },
    },
  });
  const handshake = websocketHandshake({
    path,
    limits,
    ...(options.allowedOrigins?.length ? { allowedOrigins: new Set(options.allowedOrigins) } : {}),
    verifier,
    faults,
    logger,
    metrics,
    draining,
    onSession(ws, user, startedAt) {
      const session = new Session(ws, user.userId, user.expiresAtMs, context, user.token);
      sessions.add(session);
      metrics.handshakeSeconds.observe((performance.now() - startedAt) / 1000);
      ws.once('close', () => sessions.delete(session));
      logger.debug({ session: session.sessionId, user: user.userId }, 'session opened');
    },
  });
  const http = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, routes)
    : createServer(routes);
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void handshake.upgrade(request, socket, head);
  });
  const shutdown = new InstanceShutdown({
    http,
    handshake,
    hub,
    runs,
    agUiRuns,
    sessions,
    ...(keeper ? { keeper } : {}),
    releaseStorage: () => storage.release(),
    ...(options.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: options.drainTimeoutMs }),
    faults,
  });

  try {
    await hub.open((runId) => runs.cancelRequested(runId));
    await keeper?.start();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    keeper?.halt();
    hub.close();
    await storage.release();
    throw error;
  }
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;

  // Stryker disable all: fault injection, off in every conformance run (crash-on-bad-json)
  function crash(): void {
    if (shutdown.crashed) return;
    logger.error('crashed (fault crash-on-bad-json)');
    void shutdown.stopAbruptly();
    options.onCrash?.();
  }
  // Stryker restore all

  return {
    wsUrl: `${options.tls ? 'wss' : 'ws'}://${hostForUrl}:${port}${path}`,
    httpUrl: `${options.tls ? 'https' : 'http'}://${hostForUrl}:${port}`,
    port,
    limits,
    close: () => shutdown.drain(),
    kill: () => shutdown.stopAbruptly(),
  };
}
