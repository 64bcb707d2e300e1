/**
 * What `agentwire up` leaves behind for test runners and for `agentwire down`: `.agentwire/env`
 * (shell exports, mode 0600 because URLs may carry passwords) and `.agentwire/state.json` (the
 * `up` process, its child processes and compose projects). Both written atomically.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { TierErrorCode, tierError } from './errors.js';
import type { StartedResource } from './teardown.js';

export const STATE_DIR = '.agentwire';

export interface UpState {
  version: 1;
  /** The `up` process that keeps the environment alive (in-process services live there). */
  pid: number;
  startedAt: string;
  configPath?: string;
  resources: StartedResource[];
  /** Printable variables (passwords redacted). */
  variables: Record<string, string>;
}

export const statePaths = (baseDir: string) => ({
  dir: join(baseDir, STATE_DIR),
  env: join(baseDir, STATE_DIR, 'env'),
  state: join(baseDir, STATE_DIR, 'state.json'),
});

export async function writeUpFiles(baseDir: string, state: UpState, envText: string): Promise<void> {
  const paths = statePaths(baseDir);
  await mkdir(paths.dir, { recursive: true });
  await atomicWrite(paths.env, `${envText}\n`, 0o600);
  await atomicWrite(paths.state, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

export async function readUpState(baseDir: string): Promise<UpState | undefined> {
  const path = statePaths(baseDir).state;
  if (!existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as UpState;
}

export async function removeUpFiles(baseDir: string): Promise<void> {
  const paths = statePaths(baseDir);
  await rm(paths.env, { force: true });
  await rm(paths.state, { force: true });
}

/**
 * Stops what a state file records: asks the `up` process to stop (it tears down its own
 * services), then makes sure every recorded process and compose project is gone.
 */
export async function stopFromState(baseDir: string, graceMs = 15_000): Promise<string[]> {
  const state = await readUpState(baseDir);
  if (!state) {
    throw tierError(
      TierErrorCode.stateMissing,
      `nothing to stop: no ${statePaths(baseDir).state} (start an environment with "agentwire up" first)`,
    );
  }
  const done: string[] = [];
  if (isAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
    done.push(`stopped agentwire up (pid ${state.pid})`);
  }
  for (const resource of state.resources) {
    if (resource.kind === 'process' && isAlive(resource.pid)) {
      try {
        process.kill(-resource.pid, 'SIGKILL');
      } catch {
        process.kill(resource.pid, 'SIGKILL');
      }
      done.push(`killed ${resource.name}`);
    }
    if (resource.kind === 'compose') {
      const result = await execa(resource.executable, resource.downArgs, {
        cwd: resource.cwd,
        reject: false,
        timeout: 60_000,
        stdin: 'ignore',
      });
      if (result.exitCode === 0) done.push(`removed ${resource.name}`);
    }
  }
  await removeUpFiles(baseDir);
  return done;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function atomicWrite(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}
