/**
 * One instance of the second AEP/1 server: plain `node:http` for /health and the upgrade, `ws` in
 * noServer mode for the sessions. The handshake (token from the Authorization header or a
 * `bearer.<jwt>` subprotocol, verified with jose as HS256 with exp required; Origin allowlist) is
 * decided before `ws` sees the request, and refusals are written to the raw socket.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { jwtVerify } from 'jose';
import { type WebSocket, WebSocketServer } from 'ws';
import { type ClientFrame, readClientFrame } from './client-frames.js';
import { Deployment, type RunRecord, type WireEvent } from './deployment.js';
import { type Flaws, NO_FLAWS } from './flaws.js';
import { performRun } from './scripted-run.js';

export interface SecondServerOptions {
  secret: string;
  allowedOrigins?: readonly string[];
  host?: string;
  port?: number;
  /** Share threads and fan-out with other instances; a deployment of its own when omitted. */
  deployment?: Deployment;
  maxFrameBytes?: number;
  maxInFlightRuns?: number;
  /** Deliberate bugs (`flaws.ts`), for measuring what the suite catches; none when omitted. */
  flaws?: Flaws;
}

export interface SecondServer {
  wsUrl: string;
  httpUrl: string;
  deployment: Deployment;
  /** Graceful shutdown: /health 503, no new sessions, own runs finish, sessions closed 1001. */
  drain(): Promise<void>;
  /** Immediate stop (tests' clean-up). */
  close(): Promise<void>;
}

const EXPIRY_GRACE_MS = 5000;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Session {
  socket: WebSocket;
  user: string;
  threads: Set<string>;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ error: reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function offeredToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  // The auth scheme is case-insensitive (RFC 9110 §11.1).
  if (header && /^bearer /i.test(header)) return header.slice('Bearer '.length).trim();
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return offered.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
}

export async function startSecondServer(options: SecondServerOptions): Promise<SecondServer> {
  const maxFrameBytes = options.maxFrameBytes ?? 65536;
  const flaws = options.flaws ?? options.deployment?.flaws ?? NO_FLAWS;
  const deployment = options.deployment ?? new Deployment(options.maxInFlightRuns ?? 4, flaws);
  const key = new TextEncoder().encode(options.secret);
  const instanceName = `inst-${randomUUID().slice(0, 8)}`;
  const sessions = new Set<Session>();
  const subscribers = new Map<string, Set<Session>>();
  let draining = false;

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: flaws.has('frame-limit-counts-characters') ? 4 * maxFrameBytes : maxFrameBytes,
    perMessageDeflate: false,
    handleProtocols: (offered) => {
      if (flaws.has('bearer-subprotocol-echoed')) {
        const bearer = [...offered].find((p) => p.startsWith('bearer.'));
        if (bearer) return bearer;
      }
      return offered.has('aep.v1') ? 'aep.v1' : false;
    },
  });

  const stopListening = deployment.listen((event) => {
    const text = JSON.stringify(event);
    for (const session of subscribers.get(event.thread_id) ?? []) session.socket.send(text);
  });

  const http: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (request.method === 'GET' && path === '/health') {
      response.writeHead(draining ? 503 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: draining ? 'draining' : 'ok', sessions: sessions.size }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"error":"not found"}');
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void admit(request, socket, head);
  });

  async function admit(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/ws') return refuse(socket, 404, 'Not Found');
    if (draining) return refuse(socket, 503, 'Service Unavailable');
    const origin = request.headers.origin;
    const allowed = flaws.has('origin-prefix-match')
      ? (o: string) => options.allowedOrigins!.some((a) => o.startsWith(a))
      : (o: string) => options.allowedOrigins!.includes(o);
    if (origin && options.allowedOrigins?.length && !allowed(origin)) return refuse(socket, 403, 'Forbidden');
    const token = offeredToken(request);
    if (!token) return refuse(socket, 401, 'Unauthorized');
    let user: string;
    let expiresAtMs: number;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
        ...(flaws.has('expired-within-leeway') ? { clockTolerance: 300 } : {}),
      });
      user = payload.sub!;
      expiresAtMs = payload.exp! * 1000;
    } catch {
      return refuse(socket, 401, 'Unauthorized');
    }
    // An empty or non-string sub names no user (R-2.2: sub is the user id; RFC 7519: a string).
    if (typeof user !== 'string' || user === '') return refuse(socket, 401, 'Unauthorized');
    if (socket.destroyed) return;
    if (draining) return refuse(socket, 503, 'Service Unavailable');
    sockets.handleUpgrade(request, socket, head, (ws) => openSession(ws, user, expiresAtMs));
  }

  function openSession(socket: WebSocket, user: string, expiresAtMs: number): void {
    const session: Session = { socket, user, threads: new Set() };
    sessions.add(session);
    const lazyExpiry = flaws.has('expiry-checked-on-next-frame');
    const expiry = lazyExpiry
      ? undefined
      : setTimeout(
          () => socket.close(4401, 'token expired'),
          Math.min(MAX_TIMER_MS, Math.max(0, expiresAtMs - Date.now())),
        );
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(expiry);
      sessions.delete(session);
      for (const threadId of session.threads) subscribers.get(threadId)?.delete(session);
    });
    socket.on('message', (data, isBinary) => {
      if (lazyExpiry && Date.now() >= expiresAtMs) {
        socket.close(4401, 'token expired');
        return;
      }
      const text = data.toString();
      if (isBinary && !(flaws.has('binary-json-accepted') && 'frame' in readClientFrame(text, flaws))) {
        socket.close(1003, 'binary frames are not part of AEP/1');
        return;
      }
      if (flaws.has('frame-limit-counts-characters') && text.length > maxFrameBytes) {
        socket.close(1009, 'frame too large');
        return;
      }
      const reading = readClientFrame(text, flaws);
      if ('problem' in reading) {
        reply(session, { type: 'error', ...idOf(reading.id), code: 'bad_request', message: reading.problem });
        return;
      }
      handle(session, reading.frame);
    });
    const sayReady = () =>
      reply(session, {
        type: 'ready',
        protocol: 'aep.v1',
        session_id: `sess-${randomUUID()}`,
        user_id: user,
        server: { name: 'second-server', version: '1.0.0' },
        capabilities: ['resume', 'cancel', 'tools', 'streaming', 'scenarios'],
        limits: {
          max_frame_bytes: maxFrameBytes,
          max_inflight_runs: deployment.maxInFlightRuns,
          expiry_grace_ms: EXPIRY_GRACE_MS,
        },
      });
    // The flaw stands for an awaited session-store write between the upgrade and ready.
    if (flaws.has('ready-after-session-store')) setTimeout(sayReady, 30);
    else sayReady();
  }

  function idOf(id: string | undefined): { id?: string } {
    return id === undefined ? {} : { id };
  }

  function reply(session: Session, frame: Record<string, unknown> | WireEvent): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
  }

  function subscribe(session: Session, threadId: string): void {
    session.threads.add(threadId);
    const set = subscribers.get(threadId) ?? new Set<Session>();
    if (flaws.has('one-connection-per-user'))
      for (const other of set) if (other.user === session.user) set.delete(other);
    set.add(session);
    subscribers.set(threadId, set);
  }

  function notFound(session: Session, id: string, what: string): void {
    reply(session, { type: 'error', id, code: 'not_found', message: `${what} not found` });
  }

  function handle(session: Session, frame: ClientFrame): void {
    switch (frame.type) {
      case 'ping':
        reply(session, { type: 'pong', id: frame.id });
        return;
      case 'cancel': {
        const run = deployment.cancellableRun(session.user, frame.runId);
        if (!run) {
          notFound(session, frame.id, 'run');
          return;
        }
        reply(session, { type: 'ack', id: frame.id });
        run.stop.abort();
        return;
      }
      case 'resume': {
        const thread = deployment.threadOf(session.user, frame.threadId);
        if (!thread) {
          if (flaws.has('foreign-thread-told-apart') && deployment.threadExists(frame.threadId)) {
            reply(session, {
              type: 'error',
              id: frame.id,
              code: 'not_found',
              message: 'thread belongs to another user',
            });
          } else notFound(session, frame.id, 'thread');
          return;
        }
        // In the thread's loop: nothing is appended between the replay, the subscription and the ack.
        void thread.loop.submit(() => {
          const missed = thread.log.filter((event) => event.seq > frame.afterSeq);
          for (const event of missed) reply(session, event);
          if (missed.length === 0 && flaws.has('resume-at-head-unsubscribed')) {
            reply(session, { type: 'ack', id: frame.id, thread_id: thread.id, replayed: 0 });
            return;
          }
          subscribe(session, thread.id);
          reply(session, { type: 'ack', id: frame.id, thread_id: thread.id, replayed: missed.length });
        });
        return;
      }
      case 'user_message': {
        const existing = frame.threadId ? deployment.threadOf(session.user, frame.threadId) : undefined;
        if (frame.threadId && !existing) {
          notFound(session, frame.id, 'thread');
          return;
        }
        const runId = deployment.reserveRun(session.user);
        if (!runId) {
          reply(session, {
            type: 'error',
            id: frame.id,
            code: 'rate_limited',
            message: `at most ${deployment.maxInFlightRuns} runs at once`,
          });
          return;
        }
        const thread = existing ?? deployment.openThread(session.user);
        subscribe(session, thread.id);
        reply(session, { type: 'ack', id: frame.id, thread_id: thread.id, run_id: runId });
        const run: RunRecord = {
          id: runId,
          owner: session.user,
          threadId: thread.id,
          instance: instanceName,
          stop: new AbortController(),
          finished: false,
          done: Promise.resolve(),
        };
        deployment.registerRun(run);
        run.done = performRun(deployment, thread, run, frame.id, frame.text, frame.script);
        return;
      }
    }
  }

  await new Promise<void>((resolve) => http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  async function shutDown(closeCode: number, waitForRuns: boolean): Promise<void> {
    const lateFlag = flaws.has('health-ok-until-runs-finish');
    if (!lateFlag) draining = true;
    if (waitForRuns) await Promise.all(deployment.runsOn(instanceName).map((run) => run.done));
    else for (const run of deployment.runsOn(instanceName)) run.stop.abort();
    draining = true;
    stopListening();
    const closes = [...sessions].map(
      (session) => new Promise<void>((resolve) => session.socket.once('close', () => resolve())),
    );
    for (const session of sessions) session.socket.close(closeCode, 'server going away');
    const forced = setTimeout(() => {
      for (const session of sessions) session.socket.terminate();
    }, 2000);
    await Promise.all(closes);
    clearTimeout(forced);
    sockets.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  let stopping: Promise<void> | undefined;
  return {
    wsUrl: `ws://${host}:${port}/ws`,
    httpUrl: `http://${host}:${port}`,
    deployment,
    drain: () => {
      stopping ??= shutDown(1001, true);
      return stopping;
    },
    close: () => {
      stopping ??= shutDown(1001, false);
      return stopping;
    },
  };
}
