/**
 * Runs in flight: who owns them and how to cancel them.
 * A run is registered before its first event and removed after its agent_completed.
 */
export interface ActiveRun {
  readonly runId: string;
  readonly userId: string;
  readonly abort: AbortController;
  readonly finished: Promise<void>;
}

export class RunRegistry {
  private readonly runs = new Map<string, ActiveRun>();
  /** Runs whose agent_completed is out but whose clean-up (slot, lease) is still going on. */
  private readonly ended = new Set<string>();

  add(run: ActiveRun): void {
    this.runs.set(run.runId, run);
    void run.finished.finally(() => {
      this.runs.delete(run.runId);
      this.ended.delete(run.runId);
    });
  }

  /**
   * The run has sent its agent_completed: to a client it is finished (a cancel now answers
   * not_found, R-5.7), although a drain still waits for its clean-up through `finished`.
   */
  end(runId: string): void {
    // Stryker disable next-line ConditionalExpression: a run not in the registry is not found either way: the set only holds memory
    if (this.runs.has(runId)) this.ended.add(runId);
  }

  /** The user's active run with that id; undefined for unknown, finished or foreign runs. */
  findOwned(runId: string, userId: string): ActiveRun | undefined {
    const run = this.ended.has(runId) ? undefined : this.runs.get(runId);
    return run && run.userId === userId ? run : undefined;
  }

  /** Aborts the run if it executes here (an ended run is past aborting): an instance accepted its cancel. */
  cancelRequested(runId: string): void {
    this.runs.get(runId)?.abort.abort();
  }

  get size(): number {
    return this.runs.size;
  }

  all(): ActiveRun[] {
    return [...this.runs.values()];
  }
}
