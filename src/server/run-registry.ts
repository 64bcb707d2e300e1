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

  add(run: ActiveRun): void {
    this.runs.set(run.runId, run);
    void run.finished.finally(() => this.runs.delete(run.runId));
  }

  /** The user's active run with that id; undefined for unknown, finished or foreign runs. */
  findOwned(runId: string, userId: string): ActiveRun | undefined {
    const run = this.runs.get(runId);
    return run && run.userId === userId ? run : undefined;
  }

  get size(): number {
    return this.runs.size;
  }

  all(): ActiveRun[] {
    return [...this.runs.values()];
  }
}
