/**
 * How an instance stops. `drain()` is the graceful way: refuse new sessions and runs
 * (/health answers 503), let the runs in flight finish up to the drain timeout, cancel the rest,
 * leave the deployment (lease released), close every session with 1001, then free the port.
 * `stopAbruptly()` is what a crash leaves behind: no drain, no goodbye, sockets cut and
 * this instance's runs left unfinished, its lease left to lapse for another instance to claim.
 */
import type { Server } from 'node:http';
import { CloseCode } from '../protocol/index.js';
import type { FaultSet } from './faults.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { RunRegistry } from './run-registry.js';
import type { Session } from './session.js';
import type { ThreadHub } from './thread-hub.js';
import type { WebSocketHandshake } from './websocket-handshake.js';

export interface StoppableInstance {
  /** The instance's HTTP(S) server. */
  http: Pick<Server, 'close' | 'closeAllConnections'>;
  handshake: WebSocketHandshake;
  hub: ThreadHub;
  runs: RunRegistry;
  /** AG-UI runs in flight (their requests are not sessions). */
  agUiRuns: ReadonlySet<Promise<void>>;
  sessions: ReadonlySet<Session>;
  keeper?: LeaseKeeper;
  /** Closes the storage this instance opened itself. */
  releaseStorage(): Promise<void>;
  /** How long a drain waits for running runs before cancelling them (default 5 s). */
  drainTimeoutMs?: number;
  faults: FaultSet;
}

export class InstanceShutdown {
  private drainStarted = false;
  private drained: Promise<void> | undefined;
  private stoppedAbruptly: Promise<void> | undefined;

  constructor(private readonly instance: StoppableInstance) {}

  /** True once a drain began: new sessions and runs are refused. */
  get draining(): boolean {
    return this.drainStarted;
  }

  /** True once the instance stopped as a crash would. */
  get crashed(): boolean {
    return this.stoppedAbruptly !== undefined;
  }

  /** Graceful shutdown; resolves when every session is closed and the port is free. */
  drain(): Promise<void> {
    if (this.stoppedAbruptly) return this.stoppedAbruptly;
    this.drained ??= this.drainOnce();
    return this.drained;
  }

  /** Stops as a crash would; resolves when the port is free. */
  stopAbruptly(): Promise<void> {
    this.stoppedAbruptly ??= this.stopAbruptlyOnce();
    return this.stoppedAbruptly;
  }

  private async drainOnce(): Promise<void> {
    const { http, handshake, hub, runs, agUiRuns, sessions, keeper, faults } = this.instance;
    this.drainStarted = true;
    const drainMs = this.instance.drainTimeoutMs ?? 5000;
    // Stryker disable next-line all: fault injection, off in every conformance run
    const drainDeadline = Date.now() + (faults.has('drain-cuts-runs') ? 0 : drainMs);
    while ((runs.size > 0 || agUiRuns.size > 0) && Date.now() < drainDeadline) {
      await Promise.race([Promise.all([...runs.all().map((run) => run.finished), ...agUiRuns]), delay(100)]);
    }
    for (const run of runs.all()) run.abort.abort();
    await Promise.all(runs.all().map((run) => run.finished));
    await keeper?.leave();
    // Stryker disable next-line StringLiteral: a close reason's words are free; its code 1001 is what asks
    for (const session of sessions) session.closeWith(CloseCode.goingAway, 'server going away');
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    setTimeout(() => http.closeAllConnections(), 1000).unref();
    setTimeout(() => {
      for (const client of handshake.clients) client.terminate();
    }, 2000).unref();
    await closed;
    handshake.close();
    hub.close();
    await this.instance.releaseStorage();
  }

  private async stopAbruptlyOnce(): Promise<void> {
    const { http, handshake, hub, runs, keeper } = this.instance;
    hub.halt();
    keeper?.halt();
    for (const run of runs.all()) run.abort.abort();
    for (const client of handshake.clients) client.terminate();
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    await closed;
    handshake.close();
    hub.close();
    await this.instance.releaseStorage();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
