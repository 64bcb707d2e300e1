// Images for the docker-tier tests and the tier benchmark, built from files on this machine
// because no image registry is reachable: a static busybox (httpd answering /health) and the
// host's own redis-server with the shared libraries `ldd` lists, so docker and local run the
// very same binary.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const BUSYBOX_IMAGE = 'agentwire-test-busybox:1';
export const REDIS_IMAGE = 'agentwire-test-redis:1';

async function imageExists(name) {
  try {
    await run('docker', ['image', 'inspect', name]);
    return true;
  } catch {
    return false;
  }
}

async function importRootfs(name, fill) {
  const root = await mkdtemp(join(tmpdir(), 'agentwire-image-'));
  try {
    const rootfs = join(root, 'rootfs');
    await mkdir(rootfs, { recursive: true });
    await fill(rootfs);
    await run('tar', ['-C', rootfs, '-cf', join(root, 'rootfs.tar'), '.']);
    await run('docker', ['import', join(root, 'rootfs.tar'), name]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** /bin/busybox plus applet links, and /www/health answering {"status":"ok"}. */
export async function ensureBusyboxImage() {
  if (await imageExists(BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
  if (!existsSync('/bin/busybox'))
    throw new Error('/bin/busybox missing: run .ci/docker-up.sh (installs busybox-static)');
  await importRootfs(BUSYBOX_IMAGE, async (rootfs) => {
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await mkdir(join(rootfs, 'www'), { recursive: true });
    await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
    await chmod(join(rootfs, 'bin/busybox'), 0o755);
    for (const applet of ['sh', 'httpd', 'echo', 'sleep', 'cat', 'nc'])
      await symlink('busybox', join(rootfs, 'bin', applet));
    await writeFile(join(rootfs, 'www/health'), '{"status":"ok"}\n');
  });
  return BUSYBOX_IMAGE;
}

/** The host's redis-server and the libraries it links, at their host paths. */
export async function ensureRedisImage(binary = '/usr/bin/redis-server') {
  if (await imageExists(REDIS_IMAGE)) return REDIS_IMAGE;
  if (!existsSync(binary)) throw new Error(`${binary} missing: install Debian's redis-server`);
  const { stdout } = await run('ldd', [binary]);
  const libraries = [...stdout.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]);
  await importRootfs(REDIS_IMAGE, async (rootfs) => {
    for (const file of [binary, ...libraries]) {
      await mkdir(join(rootfs, dirname(file)), { recursive: true });
      await copyFile(file, join(rootfs, file));
    }
    await chmod(join(rootfs, binary), 0o755);
  });
  return REDIS_IMAGE;
}
