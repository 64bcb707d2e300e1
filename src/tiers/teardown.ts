/**
 * Stops what resolution started, whatever way the process ends: `release()`, normal exit,
 * SIGINT or SIGTERM. Steps run newest first. On 'exit' only synchronous work is possible, so
 * each step may also carry a synchronous fallback (kill a process group, `compose down`).
 */
/** What a step stops, recorded so `agentwire down` can stop it from another process. */
export type StartedResource =
  | { kind: 'process'; name: string; pid: number }
  | { kind: 'compose'; name: string; project: string; executable: string; downArgs: string[]; cwd: string }
  | { kind: 'in-process'; name: string };

export interface TeardownStep {
  name: string;
  resource?: StartedResource;
  stop(): Promise<void>;
  /** Best effort for process exit, when awaiting is no longer possible. */
  stopSync?(): void;
}

const active = new Set<Teardown>();
let handlersInstalled = false;

export class Teardown {
  private readonly steps: TeardownStep[] = [];
  private running: Promise<string[]> | undefined;

  constructor(watchProcess = true) {
    if (watchProcess) {
      active.add(this);
      installHandlers();
    }
  }

  add(step: TeardownStep): void {
    this.steps.push(step);
  }

  get size(): number {
    return this.steps.length;
  }

  resources(): StartedResource[] {
    return this.steps.map((step) => step.resource ?? { kind: 'in-process', name: step.name });
  }

  /** Runs every step once, newest first; returns the errors of steps that failed. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const errors: string[] = [];
      while (this.steps.length) {
        const step = this.steps.pop()!;
        try {
          await step.stop();
        } catch (error) {
          errors.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      active.delete(this);
      return errors;
    })();
    return this.running;
  }

  runSync(): void {
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        step.stopSync?.();
      } catch {
        // The process is exiting: nothing left to report to.
      }
    }
    active.delete(this);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const teardown of [...active]) teardown.runSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      void Promise.allSettled([...active].map((teardown) => teardown.run())).then(() => {
        // Another part of the program handles this signal too: let it decide when to exit.
        if (process.listenerCount(signal) > 1) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
