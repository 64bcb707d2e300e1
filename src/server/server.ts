/**
 * The reference AEP/1 backend: an HTTP server for `/health` whose upgrade handler authenticates
 * checks Origin and hands the socket to a Session. `close()` drains
 * gracefully: refuse new sessions, /health 503, let runs finish, close sessions 1001.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DestinationStream } from 'pino';
import { WebSocketServer } from 'ws';
import {
  AG_UI_PATH,
  CAPABILITIES,
  type Capability,
  CloseCode,
  DEFAULT_LIMITS,
  DEFAULT_WS_PATH,
  HEALTH_PATH,
  type Limits,
  SUBPROTOCOL,
} from '../protocol/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { handleAgUiRun } from './ag-ui-endpoint.js';
import {
  type JwtAlgorithm,
  type PublicKeyVerification,
  TokenVerifier,
  tokenFromRequest,
  tokenTransportOf,
} from './auth.js';
import { type EventBus, LocalEventBus } from './event-bus.js';
import { type EventStore, MemoryEventStore } from './event-store.js';
import { type FaultSet, faultSetOf } from './faults.js';
import { type InstanceLeases, MemoryInstanceLeases, RedisInstanceLeases } from './instance-leases.js';
import { LeaseKeeper, type LeaseTiming } from './lease-keeper.js';
import { createLogger, type LogLevel } from './logger.js';
import { type RefusalReason, ServerMetrics } from './metrics.js';
import { MemoryRunLimiter, RedisRunLimiter, type RunLimiter } from './run-limiter.js';
import { RunRegistry } from './run-registry.js';
import { Session, type SessionContext } from './session.js';
import { ThreadHub } from './thread-hub.js';

/** Prometheus scrapes this (text format). */
export const METRICS_PATH = '/metrics';

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

/** Shared memory for several embedded instances: a resume on one finds what another appended. */
export function createEmbeddedCluster(faults?: readonly string[]): EmbeddedCluster {
  return memoryStorage(faultSetOf(faults, 'embedded'));
}

function memoryStorage(faults: FaultSet): EmbeddedCluster {
  return {
    store: new MemoryEventStore(faults),
    bus: new LocalEventBus(faults),
    limiter: new MemoryRunLimiter(faults),
    leases: new MemoryInstanceLeases(),
  };
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
  const allowedOrigins = options.allowedOrigins?.length ? new Set(options.allowedOrigins) : undefined;
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
  const agUi = {
    verifier,
    logger,
    faults,
    track: (finished: Promise<void>) => {
      agUiRuns.add(finished);
      void finished.finally(() => agUiRuns.delete(finished));
    },
  };
  let draining = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: faults.has('frame-limit-off-by-one') ? limits.max_frame_bytes - 1 : limits.max_frame_bytes,
    perMessageDeflate: false,
    // Only aep.v1 may be selected: a bearer.<jwt> entry is never echoed back.
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const http = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, (request, response) =>
        handleHttp(request, response),
      )
    : createServer((request, response) => handleHttp(request, response));
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void handleUpgrade(request, socket, head);
  });

  function handleHttp(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === HEALTH_PATH) {
      const body = draining
        ? { status: 'draining', sessions: sessions.size }
        : { status: 'ok', sessions: sessions.size, server: context.server };
      respondJson(response, draining ? 503 : 200, body);
      return;
    }
    if (request.method === 'GET' && url.pathname === METRICS_PATH) {
      void metrics.scrape().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
          response.end(body);
        },
        (error: unknown) => {
          logger.error({ err: String(error) }, 'metrics scrape failed');
          respondJson(response, 500, { error: 'internal', message: 'metrics unavailable' });
        },
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === AG_UI_PATH) {
      if (draining) {
        respondJson(response, 503, { error: 'draining', message: 'server is shutting down' });
        return;
      }
      void handleAgUiRun(request, response, agUi).catch((error: unknown) => {
        logger.error({ err: String(error) }, 'ag-ui request failed');
        if (!response.headersSent)
          respondJson(response, 500, { error: 'internal', message: 'request failed' });
        else response.end();
      });
      return;
    }
    respondJson(response, 404, { error: 'not_found', message: `no route ${request.method} ${url.pathname}` });
  }

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const startedAt = performance.now();
    const refuseUpgrade = (
      socket: Duplex,
      status: RefusalReason & `${number}`,
      error: string,
      message: string,
    ) => {
      metrics.refused(status);
      refuseUpgradeWith(socket, Number(status), error, message);
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path)
      return refuseUpgrade(socket, '404', 'not_found', `WebSocket endpoint is ${path}`);
    if (draining) return refuseUpgrade(socket, '503', 'draining', 'server is shutting down');
    const origin = request.headers.origin;
    const foreignOrigin = allowedOrigins !== undefined && origin !== undefined && !allowedOrigins.has(origin);
    const transport = tokenTransportOf(request);
    // Stryker disable next-line all: fault injection, off in every conformance run
    const originChecked =
      !faults.has('any-origin') && !(faults.has('origin-check-header-only') && transport === 'subprotocol');
    if (foreignOrigin && originChecked) {
      logger.info({ origin }, 'refused origin');
      return refuseUpgrade(socket, '403', 'forbidden', 'origin not allowed');
    }
    const token = tokenFromRequest(request);
    const auth = await verifier.verify(token, transport);
    if (!auth.ok) {
      logger.info({ reason: auth.reason }, 'refused handshake');
      return refuseUpgrade(socket, '401', 'unauthorized', auth.reason);
    }
    if (draining || socket.destroyed)
      return refuseUpgrade(socket, '503', 'draining', 'server is shutting down');
    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new Session(ws, auth.userId, auth.expiresAtMs, context, token);
      sessions.add(session);
      metrics.handshakeSeconds.observe((performance.now() - startedAt) / 1000);
      ws.once('close', () => sessions.delete(session));
      logger.debug({ session: session.sessionId, user: auth.userId }, 'session opened');
    });
  }

  try {
    await context.hub.open();
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
    context.hub.close();
    await storage.release();
    throw error;
  }
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;

  let stoppedAbruptly: Promise<void> | undefined;
  /** What a crash leaves behind: no drain, no goodbye, this instance's runs left unfinished. */
  function stopAbruptly(): Promise<void> {
    stoppedAbruptly ??= (async () => {
      hub.halt();
      keeper?.halt();
      for (const run of context.runs.all()) run.abort.abort();
      for (const client of wss.clients) client.terminate();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
      wss.close();
      hub.close();
      await storage.release();
    })();
    return stoppedAbruptly;
  }

  // Stryker disable all: fault injection, off in every conformance run (crash-on-bad-json)
  function crash(): void {
    if (stoppedAbruptly) return;
    logger.error('crashed (fault crash-on-bad-json)');
    void stopAbruptly();
    options.onCrash?.();
  }
  // Stryker restore all

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    if (stoppedAbruptly) return stoppedAbruptly;
    closing ??= (async () => {
      draining = true;
      const drainMs = options.drainTimeoutMs ?? 5000;
      // Stryker disable next-line all: fault injection, off in every conformance run
      const drainDeadline = Date.now() + (faults.has('drain-cuts-runs') ? 0 : drainMs);
      while ((context.runs.size > 0 || agUiRuns.size > 0) && Date.now() < drainDeadline) {
        await Promise.race([
          Promise.all([...context.runs.all().map((run) => run.finished), ...agUiRuns]),
          delay(100),
        ]);
      }
      for (const run of context.runs.all()) run.abort.abort();
      await Promise.all(context.runs.all().map((run) => run.finished));
      await keeper?.leave();
      for (const session of sessions) session.closeWith(CloseCode.goingAway, 'server going away');
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      setTimeout(() => http.closeAllConnections(), 1000).unref();
      setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, 2000).unref();
      await closed;
      wss.close();
      context.hub.close();
      await storage.release();
    })();
    return closing;
  }

  return {
    wsUrl: `${options.tls ? 'wss' : 'ws'}://${hostForUrl}:${port}${path}`,
    httpUrl: `${options.tls ? 'https' : 'http'}://${hostForUrl}:${port}`,
    port,
    limits,
    close,
    kill: stopAbruptly,
  };
}

interface OpenedStorage extends EmbeddedCluster {
  /** Closes what this instance opened itself; a cluster's shared memory outlives it. */
  release(): Promise<void>;
}

async function openStorage(
  options: ServerOptions,
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function respondJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function refuseUpgradeWith(socket: Duplex, status: number, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[
    status
  ];
  socket.end(
    `HTTP/1.1 ${status} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
