/** Writes several files so that either all appear complete or none changes. */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export class ReportWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportWriteError';
  }
}

export async function ensureWritableDir(dir: string): Promise<void> {
  const probe = join(dir, `.agentwire-probe-${randomBytes(4).toString('hex')}`);
  try {
    await makeDirs(dir);
    await writeFile(probe, '');
    await rm(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportWriteError(
      `report directory ${dir} is not writable (${code ?? (error as Error).message}): choose another with --report-dir DIR`,
    );
  }
}

export async function writeFilesAtomically(
  files: ReadonlyArray<{ path: string; content: string }>,
): Promise<void> {
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const staged: string[] = [];
  try {
    for (const file of files) {
      await makeDirs(dirname(file.path));
      await writeFile(file.path + suffix, file.content);
      staged.push(file.path + suffix);
    }
    for (const file of files) await rename(file.path + suffix, file.path);
  } catch (error) {
    await Promise.all(staged.map((path) => rm(path, { force: true })));
    throw new ReportWriteError(`could not write the report: ${(error as Error).message}`);
  }
}

/** mkdir -p one level at a time: Node's recursive mkdir spins forever under /proc. */
async function makeDirs(dir: string): Promise<void> {
  const parts = resolve(dir).split('/').filter(Boolean);
  let current = '';
  for (const part of parts) {
    current += `/${part}`;
    try {
      await mkdir(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
