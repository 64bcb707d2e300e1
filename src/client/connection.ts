/**
 * One AEP/1 client connection: handshake with auth, frames recorded with timestamps, and waits
 * for the frames a test cares about (ready, an answer to an id, the end of a run, the close).
 * Used by the conformance checks and, later, by the load generator.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import {
  type AckFrame,
  type AgentEvent,
  BEARER_SUBPROTOCOL_PREFIX,
  type ReadyFrame,
  type Scenario,
  SUBPROTOCOL,
} from '../protocol/index.js';
import { Transcript } from './transcript.js';
import { type ClientTls, tlsConnectOptions } from './transport.js';

export type AuthMode = 'header' | 'subprotocol' | 'none';

export interface ConnectOptions {
  url: string;
  token?: string;
  /** Where the token goes. Default `header`. */
  auth?: AuthMode;
  origin?: string;
  /** Subprotocols to offer instead of the default `aep.v1` (plus `bearer.<jwt>` in subprotocol mode). */
  protocols?: string[];
  /** Extra handshake headers. */
  headers?: Record<string, string>;
  /** TLS trust for wss:// (a CA to trust, or no verification). */
  tls?: ClientTls;
  label?: string;
  handshakeTimeoutMs?: number;
  transcript?: Transcript;
}

/** The server answered the upgrade request with a plain HTTP response instead of 101. */
export class HandshakeRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`handshake rejected with HTTP ${status}`);
    this.name = 'HandshakeRejectedError';
  }
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface ReceivedFrame {
  /** ms since the connection object was created */
  at: number;
  binary: boolean;
  raw: string;
  /** Parsed object when the frame was a JSON object, else undefined. */
  json?: Record<string, unknown>;
}

export interface CloseInfo {
  code: number;
  reason: string;
  at: number;
}

type Frame = Record<string, unknown>;
type Waiter = { match: (frame: ReceivedFrame) => boolean; resolve: (frame: ReceivedFrame) => void };

export interface RunStart {
  text?: string;
  thread_id?: string;
  scenario?: Scenario;
}

export class AepConnection {
  readonly label: string;
  readonly transcript: Transcript;
  readonly received: ReceivedFrame[] = [];
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | undefined;
  private readonly createdAt = performance.now();
  private readonly waiters = new Set<Waiter>();
  private nextId = 1;

  private constructor(
    private readonly socket: WebSocket,
    label: string,
    transcript: Transcript,
  ) {
    this.label = label;
    this.transcript = transcript;
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), at: this.elapsed() };
        this.transcript.record(this.label, 'closed', { code, reason: this.closeInfo.reason });
        resolve(this.closeInfo);
      });
    });
    // Errors after the handshake surface as a close; keep them from crashing the process.
    socket.on('error', () => {});
  }

  /** Opens a connection; rejects with HandshakeRejectedError when the server refuses the upgrade. */
  static open(options: ConnectOptions): Promise<AepConnection> {
    const label = options.label ?? 'conn';
    const transcript = options.transcript ?? new Transcript();
    const auth = options.auth ?? (options.token ? 'header' : 'none');
    const headers: Record<string, string> = { ...options.headers };
    const protocols = [...(options.protocols ?? [SUBPROTOCOL])];
    if (options.token && auth === 'header') headers.Authorization = `Bearer ${options.token}`;
    if (options.token && auth === 'subprotocol')
      protocols.push(`${BEARER_SUBPROTOCOL_PREFIX}${options.token}`);

    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, protocols, {
        headers,
        origin: options.origin,
        handshakeTimeout: options.handshakeTimeoutMs ?? 5000,
        maxPayload: 64 * 1024 * 1024,
        perMessageDeflate: false,
        ...tlsConnectOptions(options.tls),
      });
      const connection = new AepConnection(socket, label, transcript);
      socket.once('unexpected-response', (_request, response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          socket.terminate();
          const body = Buffer.concat(chunks).toString('utf8').slice(0, 500);
          transcript.record(label, 'note', `handshake rejected: HTTP ${response.statusCode}`);
          reject(new HandshakeRejectedError(response.statusCode ?? 0, body));
        });
        response.on('error', () => reject(new HandshakeRejectedError(response.statusCode ?? 0, '')));
      });
      socket.once('open', () => resolve(connection));
      socket.once('error', (error) => reject(error));
    });
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  newId(): string {
    return `${this.label}-${this.nextId++}`;
  }

  send(frame: Frame): void {
    this.transcript.record(this.label, 'sent', frame);
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean; note?: string } = {}): void {
    this.transcript.record(
      this.label,
      'sent',
      options.note ?? (typeof data === 'string' ? data : '<binary>'),
    );
    this.socket.send(data, { binary: options.binary ?? false });
  }

  /** Waits for the first received frame (any frame) and returns it parsed as `ready`. */
  async ready(timeoutMs = 2000): Promise<ReadyFrame> {
    const first = await this.waitForFrame(() => true, timeoutMs, 'the first frame');
    return first.json as unknown as ReadyFrame;
  }

  /** The first JSON frame (already received or future) matching the predicate. */
  async waitFor(predicate: (frame: Frame) => boolean, timeoutMs: number, what = 'a frame'): Promise<Frame> {
    const found = await this.waitForFrame((f) => f.json !== undefined && predicate(f.json), timeoutMs, what);
    return found.json!;
  }

  waitForFrame(
    match: (frame: ReceivedFrame) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<ReceivedFrame> {
    const existing = this.received.find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new WaitTimeoutError(`${what} on ${this.label}`, timeoutMs));
      }, timeoutMs);
      this.waiters.add(waiter);
      void this.closed.then(() => {
        if (!this.waiters.has(waiter)) return;
        // Let frames that raced the close be matched first.
        setImmediate(() => {
          if (!this.waiters.has(waiter)) return;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(
            new Error(`connection ${this.label} closed (${this.closeInfo?.code}) while waiting for ${what}`),
          );
        });
      });
    });
  }

  /** Sends a frame carrying an id and waits for the ack, pong or error that names that id. */
  async request(frame: Frame, timeoutMs = 5000): Promise<Frame> {
    const id = typeof frame.id === 'string' ? frame.id : this.newId();
    this.send({ ...frame, id });
    return this.waitFor(
      (f) => f.id === id && (f.type === 'ack' || f.type === 'pong' || f.type === 'error'),
      timeoutMs,
      `the answer to ${String(frame.type)} ${id}`,
    );
  }

  /** Sends a user_message; resolves with its answer (ack or error). */
  startRun(run: RunStart = {}, timeoutMs = 5000): Promise<Frame> {
    const frame: Frame = { type: 'user_message', text: run.text ?? 'hello' };
    if (run.thread_id) frame.thread_id = run.thread_id;
    if (run.scenario) frame.scenario = run.scenario;
    return this.request(frame, timeoutMs);
  }

  /** Starts a run and insists on an ack. */
  async startRunAcked(
    run: RunStart = {},
    timeoutMs = 5000,
  ): Promise<AckFrame & { thread_id: string; run_id: string }> {
    const answer = await this.startRun(run, timeoutMs);
    if (answer.type !== 'ack' || typeof answer.thread_id !== 'string' || typeof answer.run_id !== 'string') {
      throw new Error(
        `user_message was answered with ${JSON.stringify(answer)} instead of an ack with thread_id and run_id`,
      );
    }
    return answer as AckFrame & { thread_id: string; run_id: string };
  }

  /** Waits for the run's agent_completed and returns every event of that run received so far. */
  async waitForRunEnd(runId: string, timeoutMs = 10_000): Promise<AgentEvent[]> {
    await this.waitFor(
      (f) => f.type === 'agent_completed' && f.run_id === runId,
      timeoutMs,
      `the end of run ${runId}`,
    );
    return this.eventsOfRun(runId);
  }

  /** Runs one message to completion: ack, then every event of the run. */
  async runToCompletion(
    run: RunStart = {},
    timeoutMs = 10_000,
  ): Promise<{ ack: AckFrame; events: AgentEvent[] }> {
    const ack = await this.startRunAcked(run);
    const events = await this.waitForRunEnd(ack.run_id, timeoutMs);
    return { ack, events };
  }

  /** Frames carrying a numeric `seq`: the events, in arrival order. */
  events(): AgentEvent[] {
    return this.received
      .filter((f) => f.json && typeof f.json.seq === 'number')
      .map((f) => f.json as unknown as AgentEvent);
  }

  eventsOfRun(runId: string): AgentEvent[] {
    return this.events().filter((event) => event.run_id === runId);
  }

  eventsOfThread(threadId: string): AgentEvent[] {
    return this.events().filter((event) => event.thread_id === threadId);
  }

  jsonFrames(): Frame[] {
    return this.received.flatMap((f) => (f.json ? [f.json] : []));
  }

  /** Resolves with the close, or rejects after the timeout. */
  async waitForClose(timeoutMs: number): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WaitTimeoutError(`the close of ${this.label}`, timeoutMs)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes politely, and forcibly when the server does not complete the closing handshake. */
  async close(code = 1000): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) {
      this.socket.close(code);
    }
    try {
      return await this.waitForClose(2000);
    } catch {
      this.socket.terminate();
      return this.closed;
    }
  }

  /** Drops the TCP connection without a closing handshake, as a crashed client would. */
  drop(): void {
    this.socket.terminate();
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.createdAt) * 10) / 10;
  }

  private onMessage(data: Buffer, binary: boolean): void {
    const raw = binary ? `<binary ${data.length} bytes>` : data.toString('utf8');
    const frame: ReceivedFrame = { at: this.elapsed(), binary, raw };
    if (!binary) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          frame.json = parsed as Frame;
        }
      } catch {
        // Kept as raw text: checks report it.
      }
    }
    this.received.push(frame);
    this.transcript.record(this.label, 'received', frame.json ?? raw);
    for (const waiter of this.waiters) {
      if (waiter.match(frame)) waiter.resolve(frame);
    }
  }
}
