/**
 * One simulated user: connect, wait for `ready`, send runs one after another on one thread
 * (thinking between them), hold the session open, close. A bare `ws` client that keeps no
 * transcript, so thousands fit in one process and the generator itself adds little to what it
 * measures. It also checks what a load test must not break: seq order per thread, and no event
 * of another user's thread.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { type ClientTransport, tlsConnectOptions } from '../client/transport.js';
// The constant alone: protocol/index.js would bring the frame schemas (zod) into every load run.
import { SUBPROTOCOL } from '../protocol/constants.js';
import type { Scenario } from '../protocol/index.js';
import type { LoadMetrics } from './metrics.js';

export interface VirtualUserPlan {
  url: string;
  token: string;
  origin?: string;
  transport?: ClientTransport;
  /** The local address to connect from (several spread sessions over more source ports). */
  localAddress?: string;
  runs: number;
  scenario: Scenario;
  text: string;
  /** Pause between one run's end and the next run, ± thinkJitterMs (uniform). */
  thinkMs: number;
  thinkJitterMs: number;
  /** How long the session stays open after its runs (idle sessions). */
  holdMs: number;
  handshakeTimeoutMs: number;
  runTimeoutMs: number;
  /**
   * When the schedule meant this user to connect (performance.now() time). With
   * `fromIntendedTime`, latencies count from the intended times, so a late generator (a busy
   * event loop, a timer fired late) shows up in the numbers instead of hiding: the correction
   * for coordinated omission of the open model.
   */
  intendedStartMs: number;
  fromIntendedTime: boolean;
}

type Frame = Record<string, unknown> & { type?: unknown };

/**
 * Stopping a run of thousands of users. Waiters register and unregister themselves (a Set, not
 * a listener or a `then` per user, and no unregistering closure either), so a finished session
 * holds no reference from here and its socket can be collected while the run goes on.
 */
export class Stop {
  private readonly waiting = new Set<() => void>();
  private stopped = false;

  get aborted(): boolean {
    return this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const waiter of [...this.waiting]) waiter();
    this.waiting.clear();
  }

  /** Calls `waiter` once on stop (soon, if already stopped), unless `offStop(waiter)` came first. */
  onStop(waiter: () => void): void {
    if (this.stopped) queueMicrotask(waiter);
    else this.waiting.add(waiter);
  }

  offStop(waiter: () => void): void {
    this.waiting.delete(waiter);
  }
}

/** A think time: thinkMs ± thinkJitterMs, uniform, never below 0. */
export function thinkTime(thinkMs: number, jitterMs: number, random: () => number = Math.random): number {
  return Math.max(0, thinkMs + (random() * 2 - 1) * jitterMs);
}

export async function runVirtualUser(plan: VirtualUserPlan, metrics: LoadMetrics, stop: Stop) {
  const connectAt = performance.now();
  metrics.recordMs('schedule_lag', Math.max(0, connectAt - plan.intendedStartMs));
  const session = await openSession(
    plan,
    metrics,
    stop,
    plan.fromIntendedTime ? plan.intendedStartMs : connectAt,
  );
  if (!session) return;
  try {
    const thread: ThreadState = { id: undefined, lastSeq: 0 };
    let intendedSend = performance.now();
    for (let index = 0; index < plan.runs && !stop.aborted && session.isOpen(); index++) {
      if (index > 0 && (plan.thinkMs > 0 || plan.thinkJitterMs > 0)) {
        const think = thinkTime(plan.thinkMs, plan.thinkJitterMs);
        intendedSend = performance.now() + think;
        await pause(think, stop);
        if (stop.aborted || !session.isOpen()) break;
        metrics.recordMs('schedule_lag', Math.max(0, performance.now() - intendedSend));
      } else intendedSend = performance.now();
      await runOnce(
        session,
        plan,
        metrics,
        thread,
        index,
        plan.fromIntendedTime ? intendedSend : undefined,
        stop,
      );
    }
    if (plan.holdMs > 0 && !stop.aborted) await pause(plan.holdMs, stop);
  } finally {
    session.close();
  }
}

/** Waits `ms`, or less when stopped. */
export function pause(ms: number, stop: Stop): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.offStop(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.onStop(done);
  });
}

interface ThreadState {
  id: string | undefined;
  lastSeq: number;
}

type FrameHandler = (frame: Frame, receivedAtMs: number) => void;

const ignoreFrame: FrameHandler = () => {};
const ignoreClose = () => {};

/**
 * An open session: methods on a class, not closures per session, because thousands of them stay
 * open through their hold and each closure is memory the generator carries.
 */
class OpenSession {
  /** Every frame after `ready` goes to the current handler, synchronously, in arrival order. */
  frameHandler: FrameHandler = ignoreFrame;
  closeHandler: () => void = ignoreClose;

  constructor(private readonly socket: WebSocket) {}

  send(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  onFrame(handler: FrameHandler): void {
    this.frameHandler = handler;
  }

  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }

  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    else this.socket.terminate();
  }
}

function openSession(
  plan: VirtualUserPlan,
  metrics: LoadMetrics,
  stop: Stop,
  measuredFrom: number,
): Promise<OpenSession | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(plan.url, [SUBPROTOCOL], {
      headers: { ...plan.transport?.headers, Authorization: `Bearer ${plan.token}` },
      ...tlsConnectOptions(plan.transport?.tls),
      ...(plan.origin ? { origin: plan.origin } : {}),
      ...(plan.localAddress ? { localAddress: plan.localAddress } : {}),
      // No `handshakeTimeout`: readyTimer below covers the upgrade too (same deadline), and ws's
      // own would add a timer and a socket timeout to every session.
      perMessageDeflate: false,
    });
    // The session lives on for its hold; its token need not (thousands of them add up).
    plan.token = '';
    const session = new OpenSession(socket);
    let ready = false;
    // The timer is dropped and the stop waiter unregistered once the session is ready or given
    // up, so its hold carries neither.
    let readyTimer: NodeJS.Timeout | undefined;
    const settle = () => {
      ready = true;
      clearTimeout(readyTimer);
      stop.offStop(onStop);
      readyTimer = undefined;
    };
    const giveUp = (reason: string | undefined) => {
      if (ready) return;
      settle();
      // A session cut short by an interruption is not the server's failure.
      if (reason !== undefined && !stop.aborted) metrics.fail('sessions_failed', reason);
      socket.terminate();
      resolve(undefined);
    };
    const onStop = () => giveUp(undefined);
    readyTimer = setTimeout(() => giveUp('no ready in time'), plan.handshakeTimeoutMs);
    stop.onStop(onStop);
    // `on`, not `once`, for events that come once anyway: `once` adds a wrapper and a bound
    // function to every session.
    socket.on('unexpected-response', (_request, response) =>
      giveUp(`handshake answered ${response.statusCode}`),
    );
    socket.on('error', (error) => giveUp((error as NodeJS.ErrnoException).code ?? error.message));
    let open = false;
    socket.on('close', (code) => {
      giveUp(`closed ${code} before ready`);
      if (open) metrics.sessionClosed();
      open = false;
      session.closeHandler();
    });
    socket.on('message', (data, isBinary) => {
      const receivedAtMs = Date.now();
      if (isBinary) return;
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        metrics.count('error_frames');
        return;
      }
      if (!ready) {
        if (frame.type !== 'ready') return giveUp(`first frame was ${String(frame.type)}, not ready`);
        settle();
        open = true;
        metrics.recordMs('handshake_ready', performance.now() - measuredFrom);
        metrics.count('sessions_opened');
        metrics.sessionOpened();
        resolve(session);
        return;
      }
      if (frame.type === 'error') metrics.count('error_frames');
      session.frameHandler(frame, receivedAtMs);
    });
  });
}

/** One run on the user's thread; resolves when it completed, failed, timed out or was stopped. */
function runOnce(
  session: OpenSession,
  plan: VirtualUserPlan,
  metrics: LoadMetrics,
  thread: ThreadState,
  index: number,
  intendedSendAt: number | undefined,
  stop: Stop,
): Promise<void> {
  const id = `m${index + 1}`;
  const sentAt = intendedSendAt ?? performance.now();
  let runId: string | undefined;
  let sawFirst = false;
  metrics.count('runs_started');
  return new Promise((resolve) => {
    let done = false;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop.offStop(onStop);
      session.onFrame(ignoreFrame);
      session.onClose(ignoreClose);
      if (failure) metrics.fail('runs_failed', failure);
      resolve();
    };
    const timer = setTimeout(
      () => finish(runId ? 'no agent_completed in time' : 'no ack in time'),
      plan.runTimeoutMs,
    );
    // Interrupted mid-run: neither completed nor the server's failure.
    const onStop = () => finish();
    stop.onStop(onStop);
    session.onClose(() => finish('connection closed mid-run'));
    session.onFrame((frame, receivedAtMs) => {
      if (frame.id === id) {
        if (frame.type !== 'ack') return finish(`user_message answered ${String(frame.code ?? frame.type)}`);
        metrics.recordMs('ack', performance.now() - sentAt);
        runId = frame.run_id as string;
        thread.id = frame.thread_id as string;
        return;
      }
      if (typeof frame.seq !== 'number') return;
      metrics.count('events_received');
      const ts = Date.parse(String(frame.ts));
      if (Number.isFinite(ts)) metrics.recordMs('delivery', Math.max(0, receivedAtMs - ts));
      if (frame.thread_id !== thread.id)
        return metrics.fail('foreign_events', 'an event of a thread this user did not start');
      if (frame.seq !== thread.lastSeq + 1)
        metrics.fail('seq_violations', `seq ${frame.seq} after ${thread.lastSeq}`);
      thread.lastSeq = frame.seq;
      if (frame.run_id !== runId) return;
      if (!sawFirst) {
        sawFirst = true;
        metrics.recordMs('first_event', performance.now() - sentAt);
      }
      if (frame.type !== 'agent_completed') return;
      metrics.recordMs('run', performance.now() - sentAt);
      const status = (frame.data as { status?: unknown } | undefined)?.status;
      if (status === 'ok') metrics.count('runs_completed');
      finish(status === 'ok' ? undefined : `run ended ${String(status)}`);
    });
    session.send({
      type: 'user_message',
      id,
      text: plan.text,
      scenario: plan.scenario,
      ...(thread.id ? { thread_id: thread.id } : {}),
    });
  });
}
