/**
 * Compose v2 (`docker compose`, a CLI plugin) or v1 (`docker-compose`), whichever exists, and
 * the argument lists for both. Only flags both versions understand are used; in particular no
 * `--wait` (v1 lacks it): readiness comes from our own probes.
 */
import { execa } from 'execa';
import { findExecutable } from '../which.js';

export type ComposeCommand =
  | { version: 'v2'; executable: string; versionText: string }
  | { version: 'v1'; executable: string; versionText: string };

export type ComposeAction =
  | { action: 'up'; services: readonly string[] }
  | { action: 'down'; timeoutS: number }
  | { action: 'logs'; service: string; tail: number }
  | { action: 'ps'; services: readonly string[] };

export interface ComposeProject {
  name: string;
  files: readonly string[];
}

export async function detectCompose(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ComposeCommand | undefined> {
  const docker = findExecutable('docker', env);
  if (docker) {
    const result = await execa(docker, ['compose', 'version', '--short'], {
      env,
      timeout: 3_000,
      reject: false,
    });
    if (result.exitCode === 0 && /\d/.test(result.stdout))
      return { version: 'v2', executable: docker, versionText: result.stdout.trim() };
  }
  const legacy = findExecutable('docker-compose', env);
  if (legacy) {
    const result = await execa(legacy, ['version', '--short'], { env, timeout: 5_000, reject: false });
    if (result.exitCode === 0)
      return { version: 'v1', executable: legacy, versionText: result.stdout.trim() };
  }
  return undefined;
}

/** The full argument list for one compose action on one project. */
export function composeArgs(
  command: Pick<ComposeCommand, 'version'>,
  project: ComposeProject,
  action: ComposeAction,
): string[] {
  const head = command.version === 'v2' ? ['compose'] : [];
  const files = project.files.flatMap((file) => ['-f', file]);
  const base = [...head, '-p', project.name, ...files];
  switch (action.action) {
    case 'up':
      return [...base, 'up', '-d', '--no-color', ...action.services].filter(
        (arg) => command.version === 'v2' || arg !== '--no-color',
      );
    case 'down':
      return [...base, 'down', '--volumes', '--remove-orphans', '--timeout', String(action.timeoutS)];
    case 'logs':
      return [...base, 'logs', '--no-color', '--tail', String(action.tail), action.service];
    case 'ps':
      return [...base, 'ps', '-q', ...action.services];
  }
}

/** A compose project name no other run uses: lowercase, digits, dashes (valid for v1 and v2). */
export function uniqueProjectName(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${process.pid}-${random}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
}
