/**
 * A child process we started and must stop: its own process group (so a shell and what it
 * spawned die together), the last output lines kept for error messages, SIGTERM then SIGKILL.
 */
import { execa, type ResultPromise } from 'execa';
import { LOG_TAIL_LINES } from '../docker/docker-tier.js';
import type { Teardown } from '../teardown.js';

export interface ManagedProcessOptions {
  name: string;
  file: string;
  args?: readonly string[];
  /** Run `file` as a shell command line. */
  shell?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Secrets to remove from captured output. */
  secrets?: readonly string[];
}

export class ManagedProcess {
  readonly pid: number;
  private readonly lines: string[] = [];
  private exit: { code: number | undefined; signal: string | undefined } | undefined;
  /** Settles when the process ends, however it ends. */
  readonly exited: Promise<void>;
  private readonly child: ResultPromise;

  constructor(private readonly options: ManagedProcessOptions) {
    this.child = execa(options.file, options.args ?? [], {
      shell: options.shell ?? false,
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      detached: true,
      stdin: 'ignore',
      reject: false,
      buffer: false,
      cleanup: true,
    });
    if (this.child.pid === undefined) throw new Error(`${options.name} did not start`);
    this.pid = this.child.pid;
    const collect = (chunk: Buffer) => {
      let text = chunk.toString();
      for (const secret of options.secrets ?? []) if (secret) text = text.split(secret).join('***');
      for (const line of text.split('\n')) if (line.trim()) this.lines.push(line.trimEnd());
      if (this.lines.length > LOG_TAIL_LINES * 2) this.lines.splice(0, this.lines.length - LOG_TAIL_LINES);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = this.child.then((result) => {
      this.exit = { code: result.exitCode, signal: result.signal };
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  describeExit(): string {
    if (!this.exit) return 'still running';
    return this.exit.signal ? `killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
  }

  logTail(): string[] {
    return this.lines.slice(-LOG_TAIL_LINES);
  }

  /** SIGTERM to the whole group; SIGKILL for whatever is left after the grace period. */
  async stop(graceMs = 3_000): Promise<void> {
    if (!this.running && !this.groupAlive()) return;
    this.signalGroup('SIGTERM');
    const deadline = Date.now() + graceMs;
    // The leader (often a shell) may exit first while its children are still shutting down.
    while ((this.running || this.groupAlive()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    if (this.running || this.groupAlive()) {
      this.signalGroup('SIGKILL');
      await this.exited;
      while (this.groupAlive()) await new Promise((r) => setTimeout(r, 10));
    }
  }

  private groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  stopSync(): void {
    if (this.running || this.groupAlive()) this.signalGroup('SIGKILL');
  }

  registerWith(teardown: Teardown): void {
    teardown.add({
      name: this.options.name,
      resource: { kind: 'process', name: this.options.name, pid: this.pid },
      stop: () => this.stop(),
      stopSync: () => this.stopSync(),
    });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}
