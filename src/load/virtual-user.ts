/**
 * One simulated user: connect, wait for `ready`, send runs one after another on one thread,
 * hold the session open, close. A bare `ws` client that keeps no transcript, so thousands fit
 * in one process and the generator itself adds little to what it measures. It also checks what
 * a load test must not break: seq order per thread, and no event of another user's thread.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { type Scenario, SUBPROTOCOL } from '../protocol/index.js';
import type { LoadMetrics } from './metrics.js';

export interface VirtualUserPlan {
  url: string;
  token: string;
  origin?: string;
  runs: number;
  scenario: Scenario;
  text: string;
  /** How long the session stays open after its runs (idle sessions). */
  holdMs: number;
  handshakeTimeoutMs: number;
  runTimeoutMs: number;
}

type Frame = Record<string, unknown> & { type?: unknown };

/** Aborting a run of thousands of users: one signal and one promise, not a listener per user. */
export interface Stop {
  signal: AbortSignal;
  stopped: Promise<void>;
}

export function stopOf(signal: AbortSignal): Stop {
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return { signal, stopped };
}

export async function runVirtualUser(plan: VirtualUserPlan, metrics: LoadMetrics, stop: Stop) {
  const { signal } = stop;
  const session = await openSession(plan, metrics);
  if (!session) return;
  try {
    const thread: ThreadState = { id: undefined, lastSeq: 0 };
    for (let index = 0; index < plan.runs && !signal.aborted && session.isOpen(); index++)
      await runOnce(session, plan, metrics, thread, index);
    if (plan.holdMs > 0 && !signal.aborted) await pause(plan.holdMs, stop.stopped);
  } finally {
    session.close();
  }
}

function pause(ms: number, stopped: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([elapsed, stopped]).finally(() => clearTimeout(timer));
}

interface ThreadState {
  id: string | undefined;
  lastSeq: number;
}

type FrameHandler = (frame: Frame, receivedAtMs: number) => void;

interface OpenSession {
  send(frame: Frame): void;
  /** Every frame after `ready` goes to the current handler, synchronously, in arrival order. */
  onFrame(handler: FrameHandler): void;
  onClose(handler: () => void): void;
  isOpen(): boolean;
  close(): void;
}

function openSession(plan: VirtualUserPlan, metrics: LoadMetrics): Promise<OpenSession | undefined> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = new WebSocket(plan.url, [SUBPROTOCOL], {
      headers: { Authorization: `Bearer ${plan.token}` },
      ...(plan.origin ? { origin: plan.origin } : {}),
      handshakeTimeout: plan.handshakeTimeoutMs,
      perMessageDeflate: false,
    });
    let frameHandler: FrameHandler | undefined;
    let closeHandler: (() => void) | undefined;
    let ready = false;
    const giveUp = (reason: string) => {
      if (ready) return;
      ready = true;
      clearTimeout(readyTimer);
      metrics.fail('sessions_failed', reason);
      socket.terminate();
      resolve(undefined);
    };
    const readyTimer = setTimeout(() => giveUp('no ready in time'), plan.handshakeTimeoutMs);
    socket.once('unexpected-response', (_request, response) =>
      giveUp(`handshake answered ${response.statusCode}`),
    );
    socket.on('error', (error) => giveUp((error as NodeJS.ErrnoException).code ?? error.message));
    socket.once('close', (code) => {
      giveUp(`closed ${code} before ready`);
      closeHandler?.();
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
        ready = true;
        clearTimeout(readyTimer);
        metrics.recordMs('handshake_ready', performance.now() - started);
        metrics.count('sessions_opened');
        resolve(session);
        return;
      }
      if (frame.type === 'error') metrics.count('error_frames');
      frameHandler?.(frame, receivedAtMs);
    });
    const session: OpenSession = {
      send: (frame) => socket.send(JSON.stringify(frame)),
      onFrame: (handler) => {
        frameHandler = handler;
      },
      onClose: (handler) => {
        closeHandler = handler;
      },
      isOpen: () => socket.readyState === WebSocket.OPEN,
      close: () => {
        if (socket.readyState === WebSocket.OPEN) socket.close(1000);
        else socket.terminate();
      },
    };
  });
}

/** One run on the user's thread; resolves when it completed, failed or timed out. */
function runOnce(
  session: OpenSession,
  plan: VirtualUserPlan,
  metrics: LoadMetrics,
  thread: ThreadState,
  index: number,
): Promise<void> {
  const id = `m${index + 1}`;
  const sentAt = performance.now();
  let runId: string | undefined;
  let sawFirst = false;
  metrics.count('runs_started');
  return new Promise((resolve) => {
    let done = false;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.onFrame(() => {});
      if (failure) metrics.fail('runs_failed', failure);
      resolve();
    };
    const timer = setTimeout(
      () => finish(runId ? 'no agent_completed in time' : 'no ack in time'),
      plan.runTimeoutMs,
    );
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
