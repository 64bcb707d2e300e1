/** Writes report.json, junit.xml and report.html together, redacted, or none of them. */
import { join } from 'node:path';
import type { RunReport } from '../runner/index.js';
import { writeFilesAtomically } from './atomic-write.js';
import { renderHtml } from './html-report.js';
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
    { path: join(dir, 'report.html'), content: renderHtml(safe) },
  ];
  await writeFilesAtomically(files);
  return files.map((file) => file.path);
}
