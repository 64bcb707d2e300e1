/**
 * Reporters are plug-ins over one run's lifecycle: the terminal, report.json, junit.xml and
 * report.html are built in, and a user passes any other (a GitHub summary, a dashboard) the
 * same way. `onRunEnd` receives the finished report with secrets already redacted.
 */
import { join } from 'node:path';
import type { Check } from '../checks/index.js';
import type { CheckResult, RunReport } from '../runner/index.js';
import { writeFilesAtomically } from './atomic-write.js';
import { renderHtml } from './html-report.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';

/** What is known when a run starts, before any check. */
export interface RunStart {
  protocol: string;
  /** The URL the checks go to (empty when no target could be had). */
  target: string;
  checks: readonly Pick<Check, 'id' | 'title' | 'rules'>[];
  seed: number;
  executionProfile: string;
}

export interface Reporter {
  /** Shown when the reporter fails. */
  readonly name: string;
  onRunStart(run: RunStart): void | Promise<void>;
  onCheckStart?(check: Check): void;
  onCheckEnd(result: CheckResult): void;
  /** The finished report (also a partial one, verdict INTERRUPTED), redacted. */
  onRunEnd(report: RunReport): void | Promise<void>;
}

/** A reporter that writes one file when the run ends, atomically (complete or absent). */
function fileReporter(name: string, path: string, render: (report: RunReport) => string): Reporter {
  return {
    name,
    onRunStart() {},
    onCheckEnd() {},
    async onRunEnd(report) {
      await writeFilesAtomically([{ path, content: render(report) }]);
    },
  };
}

export const jsonReporter = (dir: string) => fileReporter('json', join(dir, 'report.json'), renderJson);
export const junitReporter = (dir: string) => fileReporter('junit', join(dir, 'junit.xml'), renderJunit);
export const htmlReporter = (dir: string) => fileReporter('html', join(dir, 'report.html'), renderHtml);

/** report.json, junit.xml and report.html in `dir`. */
export function reportFileReporters(dir: string): Reporter[] {
  return [jsonReporter(dir), junitReporter(dir), htmlReporter(dir)];
}

export const REPORT_FILE_NAMES = ['report.json', 'junit.xml', 'report.html'] as const;
