/** Shared by the scenario tests: temp dirs, the fixture program, the busybox test image. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export const REPO = resolve(import.meta.dirname, '../..');

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'agentwire-tiers-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Bundles fixtures/fixture-cli.ts into node_modules/.cache so it runs as a real process with
 * plain `node` (dependencies stay external and resolve from the repository's node_modules).
 */
export async function buildFixtureCli(): Promise<{ file: string; remove: () => Promise<void> }> {
  const outDir = join(
    REPO,
    'node_modules',
    '.cache',
    'agentwire-tiers',
    `${process.pid}-${randomBytes(3).toString('hex')}`,
  );
  const { build } = await import('tsup');
  await build({
    entry: { 'fixture-cli': join(REPO, 'test/tiers/fixtures/fixture-cli.ts') },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    silent: true,
    splitting: false,
    sourcemap: false,
    clean: true,
    config: false,
  });
  const file = join(outDir, 'fixture-cli.js');
  if (!existsSync(file)) throw new Error(`fixture build produced no ${file}`);
  await chmod(outDir, 0o755);
  return { file, remove: () => rm(outDir, { recursive: true, force: true }) };
}

export { BUSYBOX_IMAGE, ensureBusyboxImage } from '../../scripts/test-images.mjs';

/** Containers (running or not) of compose projects whose name starts with the prefix. */
export async function containersOf(projectPrefix: string): Promise<string[]> {
  const { stdout } = await execa('docker', [
    'ps',
    '-a',
    '--format',
    '{{.Names}} {{.Label "com.docker.compose.project"}}',
  ]);
  return stdout.split('\n').filter((line) => line.split(' ')[1]?.startsWith(projectPrefix));
}

export function uniquePrefix(): string {
  return `awt${randomBytes(4).toString('hex')}`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
