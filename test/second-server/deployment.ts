/**
 * What the instances of one deployment share: threads with their event logs, runs, each user's
 * runs in flight, and a fan-out to every instance. Each thread owns a small work loop: jobs for a
 * thread (appending an event, replaying it for a resume) run one at a time in arrival order, so
 * seq numbers and replay-then-live ordering fall out of the loop instead of locks.
 */
import { randomUUID } from 'node:crypto';
import { type Flaws, NO_FLAWS } from './flaws.js';

export interface WireEvent {
  type: string;
  thread_id: string;
  run_id: string;
  seq: number;
  ts: string;
  data: Record<string, unknown>;
}

type Job = () => void;

/** Runs a thread's jobs strictly one after another. */
class WorkLoop {
  private readonly pending: Job[] = [];
  private busy = false;

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push(() => {
        try {
          resolve(work());
        } catch (error) {
          reject(error);
        }
      });
      if (!this.busy) void this.drainJobs();
    });
  }

  private async drainJobs(): Promise<void> {
    this.busy = true;
    while (this.pending.length > 0) {
      const job = this.pending.shift()!;
      job();
      // Yield between jobs, so a long backlog never starves the sockets.
      await Promise.resolve();
    }
    this.busy = false;
  }
}

export class ThreadRecord {
  readonly log: WireEvent[] = [];
  readonly loop = new WorkLoop();
  /** Seq numbers reserved by steps that never came (flaw seq-reserved-by-cancelled-step). */
  abandonedSeqs = 0;
  private lastStamp = 0;

  constructor(
    readonly id: string,
    readonly owner: string,
  ) {}

  /** A timestamp that never goes back within this thread, even if the wall clock does. */
  stamp(): string {
    this.lastStamp = Math.max(this.lastStamp, Date.now());
    return new Date(this.lastStamp).toISOString();
  }
}

export interface RunRecord {
  id: string;
  owner: string;
  threadId: string;
  /** Which instance executes it (drain waits for its own). */
  instance: string;
  stop: AbortController;
  finished: boolean;
  done: Promise<void>;
}

export type EventListener = (event: WireEvent) => void;

export class Deployment {
  private readonly threads = new Map<string, ThreadRecord>();
  private readonly runs = new Map<string, RunRecord>();
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly listeners = new Set<EventListener>();

  constructor(
    readonly maxInFlightRuns: number,
    readonly flaws: Flaws = NO_FLAWS,
  ) {}

  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  openThread(owner: string): ThreadRecord {
    const thread = new ThreadRecord(`th-${randomUUID()}`, owner);
    this.threads.set(thread.id, thread);
    return thread;
  }

  /** The thread when `user` owns it; a foreign thread looks exactly like a missing one. */
  threadOf(user: string, threadId: string): ThreadRecord | undefined {
    const thread = this.threads.get(threadId);
    return thread?.owner === user ? thread : undefined;
  }

  /** Whether any user has a thread of that id (only a flaw ever asks). */
  threadExists(threadId: string): boolean {
    return this.threads.has(threadId);
  }

  /** Takes a slot under the user's in-flight limit, or says no. Synchronous: no window to race in. */
  reserveRun(user: string): string | undefined {
    const mine = this.inFlight.get(user) ?? new Set<string>();
    if (mine.size >= this.maxInFlightRuns) return undefined;
    const runId = `run-${randomUUID()}`;
    mine.add(runId);
    this.inFlight.set(user, mine);
    return runId;
  }

  registerRun(run: RunRecord): void {
    this.runs.set(run.id, run);
  }

  /** A run the user may cancel: theirs, and not finished. */
  cancellableRun(user: string, runId: string): RunRecord | undefined {
    const run = this.runs.get(runId);
    return run && run.owner === user && !run.finished ? run : undefined;
  }

  runsOn(instance: string): RunRecord[] {
    return [...this.runs.values()].filter((run) => run.instance === instance && !run.finished);
  }

  /** Appends one event in the thread's loop and hands it to every instance. */
  append(
    thread: ThreadRecord,
    runId: string,
    type: string,
    data: Record<string, unknown>,
    finishing?: RunRecord,
    stampedEarlier?: string,
  ): Promise<WireEvent> {
    return thread.loop.submit(() => {
      if (finishing) this.finish(finishing);
      const event: WireEvent = {
        type,
        thread_id: thread.id,
        run_id: runId,
        seq: thread.log.length + 1 + thread.abandonedSeqs,
        ts: stampedEarlier ?? thread.stamp(),
        data,
      };
      thread.log.push(event);
      for (const listener of this.listeners) listener(event);
      return event;
    });
  }

  /** The run stops counting against its user's limit the moment its last event is numbered. */
  private finish(run: RunRecord): void {
    run.finished = true;
    const mine = this.inFlight.get(run.owner);
    mine?.delete(run.id);
    if (mine?.size === 0) this.inFlight.delete(run.owner);
  }
}
