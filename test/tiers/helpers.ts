/** Shared by the scenario tests: temp dirs, the fixture program, the busybox test image. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

/**
 * A tiny image made from the static busybox of Debian's busybox-static (no registry here):
 * /bin/busybox plus applet links, and /www/health answering {"status":"ok"}.
 */
export const BUSYBOX_IMAGE = 'agentwire-test-busybox:1';

export async function ensureBusyboxImage(): Promise<void> {
  const inspect = await execa('docker', ['image', 'inspect', BUSYBOX_IMAGE], { reject: false });
  if (inspect.exitCode === 0) return;
  if (!existsSync('/bin/busybox'))
    throw new Error('/bin/busybox missing: run .ci/docker-up.sh (installs busybox-static)');
  const root = await tempDir();
  try {
    await mkdir(join(root.path, 'rootfs/bin'), { recursive: true });
    await mkdir(join(root.path, 'rootfs/www'), { recursive: true });
    await copyFile('/bin/busybox', join(root.path, 'rootfs/bin/busybox'));
    await chmod(join(root.path, 'rootfs/bin/busybox'), 0o755);
    for (const applet of ['sh', 'httpd', 'echo', 'sleep', 'cat', 'nc'])
      await symlink('busybox', join(root.path, 'rootfs/bin', applet));
    await writeFile(join(root.path, 'rootfs/www/health'), '{"status":"ok"}\n');
    await execa('tar', ['-C', join(root.path, 'rootfs'), '-cf', join(root.path, 'rootfs.tar'), '.']);
    await execa('docker', ['import', join(root.path, 'rootfs.tar'), BUSYBOX_IMAGE]);
  } finally {
    await root.remove();
  }
}

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
