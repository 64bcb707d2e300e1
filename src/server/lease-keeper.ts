/**
 * Keeps this instance's lease and ends the runs of instances whose lease lapsed. A run
 * taken over gets what its own instance would have sent had it failed: any open tool call
 * closed, then `agent_completed` status `error`, code `instance_lost` — appended with the
 * thread's next seq and fanned out like any event — and its in-flight slot is freed first, so a
 * client that sees the end may start the next run at once.
 */
import type { Logger } from 'pino';
import type { AgentEvent, EventType } from '../protocol/index.js';
import { FaultSet } from './faults.js';
import type { InstanceLeases, RunRecord } from './instance-leases.js';
import type { RunLimiter } from './run-limiter.js';
import type { ThreadHub } from './thread-hub.js';

export interface LeaseTiming {
  /** How long a lease lasts unless renewed: the longest a crash goes unnoticed. */
  ttlMs: number;
  renewEveryMs: number;
  /** How often this instance looks for lapsed leases. */
  scanEveryMs: number;
}

/** A crash is noticed within ttl + scan (4 s), well inside R-6.5's 10 s. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 3000, renewEveryMs: 1000, scanEveryMs: 1000 };

export interface LeaseKeeperOptions {
  leases: InstanceLeases;
  hub: ThreadHub;
  limiter: RunLimiter;
  logger: Logger;
  timing?: Partial<LeaseTiming>;
  faults?: FaultSet;
  /** The lease lapsed and survivors took this instance's runs: it must stop them without a word. */
  onLeaseLost(): void;
  /** One lapsed instance taken over, with how many of its runs were ended. */
  onTakeover?(instanceId: string, runsEnded: number): void;
}

export class LeaseKeeper {
  private readonly timing: LeaseTiming;
  private readonly faults: FaultSet;
  private renewTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.timing = { ...DEFAULT_LEASE_TIMING, ...options.timing };
    this.faults = options.faults ?? FaultSet.none;
  }

  get instanceId(): string {
    return this.options.hub.instanceId;
  }

  async start(): Promise<void> {
    const { leases } = this.options;
    await leases.join(this.instanceId, this.timing.ttlMs);
    this.renewTimer = setInterval(() => void this.renew(), this.timing.renewEveryMs);
    this.renewTimer.unref();
    if (this.faults.has('orphans-never-ended')) return;
    this.scanTimer = setInterval(() => {
      this.scanning = this.scanning.then(() => this.scan());
    }, this.timing.scanEveryMs);
    this.scanTimer.unref();
  }

  recordRun(run: RunRecord): Promise<void> {
    return this.options.leases.recordRun(this.instanceId, run);
  }

  forgetRun(runId: string): Promise<void> {
    return this.options.leases.forgetRun(this.instanceId, runId);
  }

  /** A run recorded by any instance of the deployment, this one included. */
  findRun(runId: string): Promise<RunRecord | undefined> {
    return this.options.leases.findRun(runId);
  }

  /** Stops renewing, as a crash would: the lease lapses and a survivor takes over. */
  halt(): void {
    this.stopped = true;
    clearInterval(this.renewTimer);
    clearInterval(this.scanTimer);
  }

  /** A graceful stop: gives the lease back once this instance's runs are over. */
  async leave(): Promise<void> {
    this.halt();
    await this.scanning;
    await this.options.leases.leave(this.instanceId).catch((error: unknown) => {
      this.options.logger.warn({ err: String(error) }, 'could not give the lease back; it will lapse');
    });
  }

  private async renew(): Promise<void> {
    const { leases, logger } = this.options;
    try {
      if (await leases.renew(this.instanceId, this.timing.ttlMs)) return;
      if (this.stopped) return;
      logger.error('this instance lost its lease: its runs were ended by another instance');
      this.options.onLeaseLost();
      await leases.join(this.instanceId, this.timing.ttlMs);
    } catch (error) {
      logger.warn({ err: String(error) }, 'lease renewal failed');
    }
  }

  /** Claims every lapsed instance's runs and ends them; a run it fails to end is claimed again. */
  async scan(): Promise<void> {
    if (this.stopped) return;
    const { leases, logger } = this.options;
    let lapsed: Awaited<ReturnType<InstanceLeases['claimLapsed']>>;
    try {
      lapsed = await leases.claimLapsed(this.instanceId);
    } catch (error) {
      logger.warn({ err: String(error) }, 'looking for lapsed leases failed');
      return;
    }
    for (const { instanceId, runs } of lapsed) {
      let ended = 0;
      for (const run of runs) {
        try {
          if (await this.endOrphan(run)) ended++;
          await leases.forgetRun(this.instanceId, run.runId);
        } catch (error) {
          logger.error({ err: String(error), run: run.runId }, 'could not end a run of a lost instance');
        }
      }
      logger.warn({ lost: instanceId, runs: runs.length, ended }, 'took over the runs of a lost instance');
      this.options.onTakeover?.(instanceId, ended);
    }
  }

  /** False when the run had ended already (its instance died between the end and forgetting it). */
  private async endOrphan(run: RunRecord): Promise<boolean> {
    const { hub, limiter } = this.options;
    const events = (await hub.eventsAfter(run.threadId, 0)).filter((event) => event.run_id === run.runId);
    if (!this.faults.has('orphan-slot-kept')) await limiter.release(run.userId, run.runId);
    if (events.some((event) => event.type === 'agent_completed')) return false;
    const append = (type: EventType, data: Record<string, unknown>) =>
      hub.append(run.threadId, run.runId, type, data);
    if (events.length === 0) await append('agent_started', { input_id: run.inputId });
    for (const toolCallId of openToolCalls(events)) {
      await append('tool_completed', {
        tool_call_id: toolCallId,
        ok: false,
        error: { code: 'instance_lost', message: 'the instance running the tool stopped' },
      });
    }
    await append('agent_completed', {
      status: 'error',
      error: { code: 'instance_lost', message: 'the instance running this run stopped' },
    });
    return true;
  }
}

function openToolCalls(events: AgentEvent[]): string[] {
  const open = new Set<string>();
  for (const event of events) {
    const id = (event.data as { tool_call_id?: unknown }).tool_call_id;
    if (typeof id !== 'string') continue;
    if (event.type === 'tool_executing') open.add(id);
    if (event.type === 'tool_completed') open.delete(id);
  }
  return [...open];
}
