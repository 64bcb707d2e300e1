/**
 * One authenticated WebSocket connection: sends `ready`, validates and answers client
 * frames (section 4, R-6.1), subscribes to threads, enforces the in-flight limit and closes on
 * binary frames or token expiry.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import {
  type AgentEvent,
  type CancelFrame,
  type Capability,
  CLIENT_FRAME_TYPES,
  CloseCode,
  clientFrameSchema,
  describeIssues,
  type ErrorCode,
  type Limits,
  type ResumeFrame,
  SUBPROTOCOL,
  type UserMessageFrame,
} from '../protocol/index.js';
import { executeRun } from './agent-run.js';
import type { FaultSet } from './faults.js';
import { InOrderDelivery } from './in-order-delivery.js';
import { NOT_JSON, parsedJson } from './json-text.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { ServerMetrics } from './metrics.js';
import type { RunLimiter } from './run-limiter.js';
import type { RunRegistry } from './run-registry.js';
import type { Subscriber, ThreadHub } from './thread-hub.js';

export interface SessionContext {
  hub: ThreadHub;
  runs: RunRegistry;
  /** The per-user in-flight limit, across the instances of a deployment. */
  limiter: RunLimiter;
  limits: Limits;
  capabilities: readonly Capability[];
  server: { name: string; version: string };
  logger: Logger;
  faults: FaultSet;
  /** Stops the whole server at once, as an unhandled exception would (crash-on-bad-json). */
  crash(): void;
  /** Threads may have writers on other instances, so events can arrive out of seq order. */
  inOrder: boolean;
  /** In a deployment of several instances: records which runs this one executes. */
  leases?: LeaseKeeper;
  metrics?: ServerMetrics;
}

// Stryker disable next-line ArithmeticOperator: one ms more overflows, and the expiry is then re-armed every ms until exp: the same close, at a cost in timers
const MAX_TIMER_MS = 2 ** 31 - 1;

function shortId(prefix: string): string {
  // Stryker disable next-line MethodExpression,StringLiteral: with or without the dashes or the prefix, cut or not, the id is unique
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

// Stryker disable all: the words of errors and closes are free: asks for a message, not for its text
/** What errors and closes say (their codes are what AEP/1 specifies). */
const SAYS = {
  notJson: 'frame is not valid JSON',
  notObject: 'frame must be a JSON object',
  noType: 'frame has no string field "type"',
  unknownType: (type: string) => `unknown frame type "${type.slice(0, 40)}"`,
  invalid: (type: string, issues: string) => `invalid ${type}: ${issues}`,
  threadNotFound: 'thread not found',
  runNotFound: 'run not found or already finished',
  rateLimited: (limit: number) => `at most ${limit} runs in flight per user`,
  internal: 'the server could not handle the frame',
  binary: 'binary frames are not part of AEP/1',
  frameTooBig: 'frame larger than max_frame_bytes',
  tokenExpired: 'token expired',
};
// Stryker restore all

export class Session implements Subscriber {
  // Stryker disable next-line StringLiteral: an id's prefix is free
  readonly sessionId = shortId('s');
  private expiryTimer: NodeJS.Timeout | undefined;
  private inbox: Promise<void> = Promise.resolve();
  /** Threads being replayed by `resume`: live events wait here until the replay is sent. */
  private readonly replaying = new Map<string, AgentEvent[]>();
  /** Only the resume-again-delivers-twice fault reads it: the threads this connection resumed. */
  private readonly resumedThreads = new Set<string>();
  /** Only the message-joins-with-history fault reads it: the threads this connection joined. */
  private readonly joinedThreads = new Set<string>();
  /** Only in a deployment of several instances (see in-order-delivery.ts). */
  private readonly ordered: InOrderDelivery | undefined;
  /**
   * Only the burst-ack-id-mixup fault reads it: the id of the latest request other than a
   * user_message (ping, resume, cancel), one "current request id" shared by their handlers.
   */
  private latestRequestId: unknown;
  /** Only the expiry-postponed-by-activity fault reads it: when the last event went out. */
  private lastEventSentAt = 0;

  constructor(
    private readonly socket: WebSocket,
    readonly userId: string,
    private readonly expiresAtMs: number,
    private readonly context: SessionContext,
    /** Kept only so the token-in-error fault can leak it. */
    private readonly token?: string,
  ) {
    // One embedded instance is not a cluster: its events come in order, and its faults show as they are.
    this.ordered = context.inOrder
      ? new InOrderDelivery(
          (event) => this.sendLive(event),
          (threadId, afterSeq) => context.hub.eventsAfter(threadId, afterSeq),
        )
      : undefined;
    // Frames are handled one after another, as they arrived, even when answering one waits on
    // the event store: acks and errors keep the order of the frames they answer.
    socket.on('message', (data, isBinary) => {
      // Stryker disable next-line all: fault injection, off in every conformance run
      if (context.faults.has('burst-ack-id-mixup')) this.noteRequestId(data as Buffer);
      this.inbox = this.inbox.then(() => this.onMessage(data as Buffer, isBinary)).catch(this.frameFailed);
    });
    // Stryker disable next-line all: the clean-up of a closed connection (see onClose)
    socket.on('close', () => this.onClose());
    // Stryker disable next-line BlockStatement: only a listener must exist (ws would throw an unheard error); what it does is counting and logging
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes a connection whose frame is over max_frame_bytes with 1009.
      // Stryker disable next-line all: the refusal counters are the reference backend's own /metrics, not AEP/1
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') context.metrics?.refused('1009');
      // Stryker disable next-line all: what the log says is free
      context.logger.debug({ err: error.message, session: this.sessionId }, 'socket error');
    });
    this.armExpiry();
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (context.faults.has('no-ready')) return;
    const sayReady = () =>
      this.send({
        type: 'ready',
        protocol: SUBPROTOCOL,
        session_id: this.sessionId,
        user_id: userId,
        server: context.server,
        capabilities: context.capabilities,
        limits: context.limits,
      });
    // Stryker disable all: fault injection, off in every conformance run
    // ready-after-session-store: ready waits on a (100 ms) session-store write, while the message
    // handler above already answers what the client sends.
    if (context.faults.has('ready-after-session-store')) {
      setTimeout(sayReady, 100);
      return;
    }
    // Stryker restore all
    sayReady();
  }

  // Stryker disable all: no frame makes a handler throw: this is the defensive internal error
  private readonly frameFailed = (error: unknown): void => {
    this.context.logger.error({ err: String(error), session: this.sessionId }, 'frame handling failed');
    this.sendError(undefined, 'internal', SAYS.internal);
  };
  // Stryker restore all

  deliver(event: AgentEvent): void {
    const held = this.replaying.get(event.thread_id);
    if (held) held.push(event);
    else if (this.ordered) this.ordered.offer(event);
    else this.sendLive(event);
  }

  closeWith(code: number, reason: string): void {
    // Stryker disable all: the refusal counters are the reference backend's own /metrics, not AEP/1
    if (code === CloseCode.tokenExpired) this.context.metrics?.refused('4401');
    if (code === CloseCode.unsupportedData) this.context.metrics?.refused('1003');
    // Stryker restore all
    // Stryker disable next-line ConditionalExpression: ws ignores a close() of a socket already closing or closed
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  private send(frame: object): void {
    // Stryker disable next-line ConditionalExpression: ws drops a send() on a socket already closing or closed
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(frame));
    // Stryker disable next-line all: the delivery counter is the reference backend's own /metrics, not AEP/1
    if ('seq' in frame) this.context.metrics?.eventsDelivered.inc();
  }

  /** An event as it happens (not a replay): how long it took from the store to here is measured. */
  private sendLive(event: AgentEvent): void {
    // Stryker disable all: fault injection, off in every conformance run
    this.lastEventSentAt = Date.now();
    // Stryker restore all
    this.send(event);
    // Stryker disable next-line all: the delivery latency is the reference backend's own /metrics, not AEP/1
    this.context.metrics?.deliverySeconds.observe(Math.max(0, Date.now() - Date.parse(event.ts)) / 1000);
  }

  /**
   * Node fires a timer of more than 2^31 - 1 ms (24.8 days) at once, so a token expiring later
   * than that is waited for in steps (R-2.4: 4401 after exp, never before).
   */
  private armExpiry(): void {
    // Stryker disable next-line MethodExpression: a wait of 0 is re-armed until exp: the same close, at a cost in timers
    const remaining = Math.max(0, this.expiresAtMs - Date.now());
    // Stryker disable next-line all: fault injection, off in every conformance run
    const overflowing = this.context.faults.has('expiry-timer-overflow');
    this.expiryTimer = setTimeout(
      () => this.expire(),
      overflowing ? remaining : Math.min(remaining, MAX_TIMER_MS),
    );
  }

  private expire(): void {
    // Stryker disable next-line all: fault injection, off in every conformance run
    const inSteps = !this.context.faults.has('expiry-timer-overflow');
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: the timer fires at exp unless exp is over 24.8 days away, which no run of the suite can wait for
    if (inSteps && Date.now() < this.expiresAtMs) {
      this.armExpiry(); // one step of a far expiry
      return;
    }
    // Stryker disable all: fault injection, off in every conformance run
    // expiry-postponed-by-activity: "don't cut a streaming answer", re-checked until it is quiet.
    if (this.context.faults.has('expiry-postponed-by-activity') && Date.now() - this.lastEventSentAt < 1000) {
      setTimeout(() => this.expire(), 250);
      return;
    }
    // Stryker restore all
    this.closeWith(CloseCode.tokenExpired, SAYS.tokenExpired);
  }

  private sendError(id: unknown, code: ErrorCode, message: string): void {
    // Stryker disable next-line all: fault injection, off in every conformance run
    const leaked = this.context.faults.has('token-in-error') ? ` (session token ${this.token})` : '';
    // Stryker disable next-line ConditionalExpression: an id that is not a string makes the frame invalid anyway; echoing it as sent breaks no rule
    this.send({ type: 'error', ...(typeof id === 'string' ? { id } : {}), code, message: message + leaked });
  }

  // Stryker disable all: clean-up of a closed connection: nothing can reach its socket any more (send checks it is open), so leaving it undone only holds memory and a timer
  private onClose(): void {
    this.ordered?.close();
    clearTimeout(this.expiryTimer);
    this.context.hub.unsubscribeEverywhere(this);
  }
  // Stryker restore all

  private async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) {
      this.closeWith(CloseCode.unsupportedData, SAYS.binary);
      return;
    }
    // Stryker disable all: fault injection, off in every conformance run
    if (
      this.context.faults.has('frame-limit-counts-characters') &&
      data.toString('utf8').length > this.context.limits.max_frame_bytes
    ) {
      this.closeWith(CloseCode.messageTooBig, SAYS.frameTooBig);
      return;
    }
    // Stryker restore all
    const parsed = parsedJson(data.toString('utf8'));
    // Stryker disable next-line ConditionalExpression,BlockStatement: a frame that is not JSON, let through, is refused next as not an object with the same bad_request
    if (parsed === NOT_JSON) {
      // Stryker disable all: fault injection, off in every conformance run
      if (this.context.faults.has('crash-on-bad-json')) {
        this.context.crash();
        return;
      }
      // Stryker restore all
      this.sendError(undefined, 'bad_request', SAYS.notJson);
      return;
    }
    // Stryker disable next-line all: fault injection, off in every conformance run
    const nullPasses = this.context.faults.has('null-frame-internal-error'); // typeof null is 'object'
    // Stryker disable next-line ConditionalExpression: a number, string or boolean passing here has no string type and gets the same bad_request next
    if ((parsed === null && !nullPasses) || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.sendError(undefined, 'bad_request', SAYS.notObject);
      return;
    }
    const raw = parsed as Record<string, unknown>;
    if (typeof raw.type !== 'string') {
      this.sendError(raw.id, 'bad_request', SAYS.noType);
      return;
    }
    // Stryker disable next-line ConditionalExpression,BlockStatement: the frame schema refuses an unknown type with the same bad_request and id
    if (!(CLIENT_FRAME_TYPES as readonly string[]).includes(raw.type)) {
      this.sendError(raw.id, 'bad_request', SAYS.unknownType(raw.type));
      return;
    }
    const result = clientFrameSchema.safeParse(raw);
    if (!result.success) {
      this.sendError(raw.id, 'bad_request', SAYS.invalid(raw.type, describeIssues(result.error)));
      return;
    }
    const frame = result.data;
    switch (frame.type) {
      case 'user_message':
        await this.onUserMessage(frame);
        return;
      case 'resume':
        await this.onResume(frame);
        return;
      case 'cancel':
        await this.onCancel(frame);
        return;
      case 'ping':
        this.send({ type: 'pong', id: frame.id });
        return;
    }
  }

  private async onUserMessage(frame: UserMessageFrame): Promise<void> {
    const { hub, runs, limiter, faults } = this.context;
    // Stryker disable next-line StringLiteral: an id's prefix is free
    const runId = shortId('r');
    // Stryker disable all: fault injection, off in every conformance run
    // refusal-leaks-slot: the slot is taken before the thread is checked, and kept on not_found.
    const slotFirst = faults.has('refusal-leaks-slot');
    if (slotFirst && !(await this.tryAcquire(runId, frame.id))) return;
    // foreign-message-subscribes: joins the thread's "room" before asking whose thread it is.
    if (frame.thread_id !== undefined && faults.has('foreign-message-subscribes'))
      hub.subscribe(frame.thread_id, this);
    let upserted = false;
    // Stryker restore all
    if (frame.thread_id !== undefined && !(await hub.isOwnedBy(frame.thread_id, this.userId))) {
      // Stryker disable next-line all: fault injection, off in every conformance run
      if (faults.has('unknown-thread-upserted') && !(await hub.exists(frame.thread_id))) upserted = true;
      else {
        this.sendError(frame.id, 'not_found', SAYS.threadNotFound);
        return;
      }
    }
    if (!slotFirst && !(await this.tryAcquire(runId, frame.id))) return;
    const threadId = frame.thread_id ?? hub.newThreadId();
    // Stryker disable next-line all: fault injection, off in every conformance run
    const stored = frame.thread_id && !upserted ? Promise.resolve() : hub.create(threadId, this.userId);
    const acked = stored.then(async () => {
      // Recorded before the ack: a run the client knows of is one a survivor can end.
      await this.context.leases?.recordRun({ runId, threadId, userId: this.userId, inputId: frame.id });
      if (this.ordered && !this.ordered.isFollowing(threadId))
        this.ordered.follow(threadId, frame.thread_id ? (await hub.lastSeq(threadId)) + 1 : 1);
      // Stryker disable all: fault injection, off in every conformance run
      // message-joins-with-history: joining a thread sends its history first, as a chat room does on join.
      if (faults.has('message-joins-with-history')) {
        if (frame.thread_id && !this.joinedThreads.has(threadId))
          for (const event of await hub.eventsAfter(threadId, 0)) this.send(event);
        this.joinedThreads.add(threadId);
      }
      // Stryker restore all
      hub.subscribe(threadId, this);
      let id: unknown = frame.id;
      // Stryker disable all: fault injection, off in every conformance run
      if (faults.has('burst-ack-id-mixup')) {
        await sleep(2); // the message is persisted before it is acked
        id = this.latestRequestId ?? id;
      }
      // Stryker restore all
      this.send({ type: 'ack', id, thread_id: threadId, run_id: runId });
    });
    const abort = new AbortController();
    const request = { runId, threadId, inputId: frame.id, text: frame.text, scenario: frame.scenario };
    // Stryker disable all: what the log says is free
    const logCrash = (error: unknown) =>
      this.context.logger.error({ err: String(error), run: runId }, 'run crashed');
    // Stryker restore all
    // Ended for clients before the slot and lease are given back (which may wait on Redis).
    // Stryker disable next-line ArrowFunction: with the memory limiter the run leaves the registry a few microtasks later, long before a client's cancel can arrive
    const endForClients = () => runs.end(runId);
    const finished = acked
      .then(() => executeRun(hub, request, abort.signal, this.context.faults))
      .catch(logCrash)
      .then(endForClients)
      .finally(async () => {
        // A crashed or taken-over instance leaves the slot to the survivor that ends the run.
        if (hub.hasLost(runId)) return;
        // Stryker disable next-line all: fault injection, off in every conformance run
        if (faults.has('cancel-leaks-slot') && abort.signal.aborted) return;
        await limiter.release(this.userId, runId);
        // Stryker disable next-line BlockStatement: what the log says is free
        await this.context.leases?.forgetRun(runId).catch((error: unknown) => {
          // Stryker disable next-line all: what the log says is free
          this.context.logger.warn({ err: String(error), run: runId }, 'could not forget a finished run');
        });
      });
    runs.add({ runId, userId: this.userId, abort, finished });
    await acked;
  }

  /** Takes an in-flight slot for the run, or answers rate_limited. */
  private async tryAcquire(runId: string, frameId: string): Promise<boolean> {
    const { limiter, limits } = this.context;
    if (await limiter.tryAcquire(this.userId, runId, limits.max_inflight_runs)) return true;
    // Stryker disable next-line all: the refusal counters are the reference backend's own /metrics, not AEP/1
    this.context.metrics?.refused('rate_limited');
    this.sendError(frameId, 'rate_limited', SAYS.rateLimited(limits.max_inflight_runs));
    return false;
  }

  private async onResume(frame: ResumeFrame): Promise<void> {
    const { hub, faults } = this.context;
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('foreign-resume-subscribes')) hub.subscribe(frame.thread_id, this);
    if (!(await hub.isOwnedBy(frame.thread_id, this.userId))) {
      this.sendError(frame.id, 'not_found', SAYS.threadNotFound);
      return;
    }
    // Stryker disable all: fault injection, off in every conformance run
    if (faults.has('resume-race-loses-events')) return this.resumeReadThenSubscribe(frame);
    // resume-beyond-head-replays-all: a cursor past the head is taken for a stale client's, reset to 0.
    const resetToZero =
      faults.has('resume-beyond-head-replays-all') && frame.after_seq > (await hub.lastSeq(frame.thread_id));
    // Stryker restore all
    // Subscribed before reading the log, holding live events back: an event appended while the
    // log is read is then either in the replay or held, never lost. Frames are handled one at a
    // time (the inbox), so no other resume of this connection is replaying meanwhile.
    const held: AgentEvent[] = [];
    this.replaying.set(frame.thread_id, held);
    hub.subscribe(frame.thread_id, this);
    // Stryker disable all: fault injection, off in every conformance run
    // resume-again-delivers-twice: a listener per resume, as an `emitter.on` in the resume handler adds.
    if (faults.has('resume-again-delivers-twice')) {
      if (this.resumedThreads.has(frame.thread_id))
        hub.subscribe(frame.thread_id, { userId: this.userId, deliver: (event) => this.deliver(event) });
      this.resumedThreads.add(frame.thread_id);
    }
    if (faults.has('message-joins-with-history')) this.joinedThreads.add(frame.thread_id);
    // Stryker restore all
    let replay: AgentEvent[];
    /** The last event the client has once the replay is sent: live events go on after it. */
    let lastSeq: number;
    try {
      // Stryker disable all: fault injection, off in every conformance run
      const from = faults.has('resume-replays-dup')
        ? Math.max(0, frame.after_seq - 1)
        : resetToZero
          ? 0
          : frame.after_seq;
      // Stryker restore all
      replay = await hub.eventsAfter(frame.thread_id, from);
      // The head is read while live events are still held back, so no event falls between the two
      // reads. A cursor past the head (a client that saw another deployment's seq, or lost count)
      // must not swallow the live events numbered up to it: they go on from the head. A held event
      // at or below the cursor is one the client has, late from another instance over the bus.
      lastSeq = replay.at(-1)?.seq ?? Math.min(frame.after_seq, await hub.lastSeq(frame.thread_id));
    } finally {
      this.replaying.delete(frame.thread_id);
    }
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('resume-skips')) replay = replay.slice(1);
    for (const event of replay) this.send(event);
    this.send({ type: 'ack', id: frame.id, thread_id: frame.thread_id, replayed: replay.length });
    if (!this.ordered) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: a lone instance's store is memory: its read resolves within the turn it was made in, so only an append already resolving in that turn could be held, and no run of the suite lands one there; a deployment's held events take the in-order path below
      for (const event of held) if (event.seq > lastSeq) this.sendLive(event);
      return;
    }
    this.ordered.follow(frame.thread_id, lastSeq + 1);
    for (const event of held) this.ordered.offer(event);
  }

  // Stryker disable all: fault injection, off in every conformance run
  /**
   * The burst-ack-id-mixup fault: a ping, resume or cancel records its id as the connection's
   * current request id on arrival, forgotten when that frame's turn in the inbox comes; an ack
   * sent meanwhile (the frames before it still being handled) takes it. Polite clients never see it: only a burst mixing kinds does.
   */
  private noteRequestId(data: Buffer): void {
    const id = peekRequestId(data);
    if (id === undefined) return;
    this.latestRequestId = id;
    this.inbox = this.inbox.then(() => {
      if (this.latestRequestId === id) this.latestRequestId = undefined;
    });
  }

  /** The resume-race-loses-events fault: the log is read first, the thread joined after. */
  private async resumeReadThenSubscribe(frame: ResumeFrame): Promise<void> {
    const replay = await this.context.hub.eventsAfter(frame.thread_id, frame.after_seq);
    for (const event of replay) this.send(event);
    this.send({ type: 'ack', id: frame.id, thread_id: frame.thread_id, replayed: replay.length });
    await sleep(1); // the answer is flushed before the subscription is made
    this.context.hub.subscribe(frame.thread_id, this);
  }
  // Stryker restore all

  private async onCancel(frame: CancelFrame): Promise<void> {
    const run = this.context.runs.findOwned(frame.run_id, this.userId);
    if (run) {
      this.send({ type: 'ack', id: frame.id });
      // Stryker disable next-line all: fault injection, off in every conformance run
      if (this.context.faults.has('cancel-ignored')) return;
      run.abort.abort();
      return;
    }
    // A user's connections may land on different instances: the run may execute on another one.
    if (await this.runsElsewhere(frame.run_id)) {
      this.send({ type: 'ack', id: frame.id });
      this.context.hub.requestCancel(frame.run_id);
      return;
    }
    this.sendError(frame.id, 'not_found', SAYS.runNotFound);
  }

  /** True when the user's run executes on another instance of the deployment and has not ended. */
  private async runsElsewhere(runId: string): Promise<boolean> {
    const record = await this.context.leases?.findRun(runId);
    if (record?.userId !== this.userId) return false;
    return !(await this.context.hub.hasEnded(record.threadId, runId));
  }
}

// Stryker disable all: fault injection, off in every conformance run
/** The `id` of a raw frame other than a user_message, when it has one (burst-ack-id-mixup). */
function peekRequestId(data: Buffer): unknown {
  try {
    const frame = JSON.parse(data.toString('utf8')) as { type?: unknown; id?: unknown };
    return frame.type === 'user_message' ? undefined : frame.id;
  } catch {
    return undefined;
  }
}
// Stryker restore all
