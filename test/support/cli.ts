/** Running the built `agentwire` CLI from end-to-end tests, and starting `agentwire serve`. */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');
const execCli = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `agentwire …` to the end; a non-zero exit is a result, not an exception. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execCli(process.execPath, [CLI, ...args], { timeout: 120_000, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Load thresholds about correctness only: latency on a loaded CI machine is for the bench. */
export const CORRECTNESS_THRESHOLDS = [
  '--no-default-thresholds',
  '--threshold',
  'sessions_failed==0',
  '--threshold',
  'runs_failed==0',
  '--threshold',
  'seq_violations==0',
  '--threshold',
  'foreign_events==0',
];

export interface ServedBackend {
  wsUrl: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM (a graceful drain); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, a crash: no drain, nothing cleaned up; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** `agentwire serve ARGS` as a child process; resolves once it prints its WebSocket URL. */
export async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<ServedBackend> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const wsUrl = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const url = /websocket\s+(wss?:\/\/\S+)/.exec(output)?.[1];
      if (url && output.includes('Ctrl+C')) resolve(url);
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`agentwire serve exited ${code}: ${output}`)));
  });
  return {
    wsUrl,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
