/** Writes report.json and junit.xml together, redacted, or neither. */
import { join } from 'node:path';
import type { RunReport } from '../runner/index.js';
import { writeFilesAtomically } from './atomic-write.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { redactDeep } from './redact.js';

export async function writeReports(
  dir: string,
  report: RunReport,
  secrets: readonly string[],
): Promise<string[]> {
  const safe = redactDeep(report, secrets);
  const files = [
    { path: join(dir, 'report.json'), content: renderJson(safe) },
    { path: join(dir, 'junit.xml'), content: renderJunit(safe) },
  ];
  await writeFilesAtomically(files);
  return files.map((file) => file.path);
}
