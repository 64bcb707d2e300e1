/** Running an example project in examples/<runner>/ with its real test runner, as a child process. */
import { spawn } from 'node:child_process';
import { mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');

export interface RunnerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, as a person would see them. */
  output: string;
}

/**
 * What `npm install` does for the examples' `"agentwire": "file:../.."`: a link to this
 * package, so `agentwire/vitest` resolves through package.json `exports` like in a user's project.
 */
export async function linkAgentwire(example: string, dir = join(ROOT, 'examples', example)): Promise<string> {
  const link = join(dir, 'node_modules/agentwire');
  const target = relative(join(dir, 'node_modules'), ROOT);
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  if ((await readlink(link).catch(() => undefined)) !== target) {
    await rm(link, { force: true });
    await symlink(target, link);
  }
  return dir;
}

/** The environment of a runner started from inside this Vitest run, without Vitest's own markers. */
export function runnerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', ...extra };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'TEST') delete env[key];
  return env;
}

export interface RunnerOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with the output so far, whenever more arrives. */
  onOutput?: (output: string, child: ReturnType<typeof spawn>) => void;
}

const running = new Set<ReturnType<typeof spawn>>();

/** Kills runners still going (a test that timed out leaves its child behind otherwise). */
export function stopRunners(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Generous: the runners start browsers and workers, and CI machines are shared. */
export const RUNNER_TEST_TIMEOUT_MS = 180_000;

/** `command args` in `cwd` to its end; the exit code is a result, not an exception. */
export function runRunner(
  cwd: string,
  command: string,
  args: string[],
  options: RunnerOptions = {},
): Promise<RunnerResult> {
  const executable = command === 'node' ? process.execPath : join(BIN, command);
  const child = spawn(executable, args, {
    cwd,
    env: runnerEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    options.onOutput?.(output, child);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? RUNNER_TEST_TIMEOUT_MS - 5_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, output });
    });
  });
}

/** A JWT anywhere in the text (header.payload.signature, base64url). */
export const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;
