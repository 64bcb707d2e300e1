/**
 * The reporter for GitHub Actions: an `::error` workflow command per failed check (shown as an
 * annotation on the run) and the Markdown summary appended to `$GITHUB_STEP_SUMMARY`. Chosen with
 * `--reporter github`, or by itself when `GITHUB_ACTIONS=true`.
 */
import { appendFile } from 'node:fs/promises';
import type { RunReport } from '../runner/index.js';
import type { Reporter } from './reporter.js';

export interface GithubReporterOptions {
  /** Where the workflow commands go (stdout in a workflow). */
  write: (text: string) => void;
  /** The step summary file; none: no summary is written. */
  summaryFile?: string;
}

/** Workflow command data: %, CR and LF escaped; properties also escape : and ,. */
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function githubReporter(options: GithubReporterOptions): Reporter {
  return {
    name: 'github',
    onRunStart() {},
    onCheckEnd() {},
    async onRunEnd(report) {
      for (const check of report.checks) {
        if (check.status !== 'failed') continue;
        options.write(
          `::error title=${escapeProperty(`${check.id} (${check.rules.join(', ') || check.rule})`)}::${escapeData(`${check.title}: ${check.reason ?? 'failed'}`)}\n`,
        );
      }
      if (report.problem && report.summary.failed === 0)
        options.write(
          `::error title=${escapeProperty(`agentwire ${report.verdict}`)}::${escapeData(report.problem)}\n`,
        );
      if (options.summaryFile) await appendFile(options.summaryFile, renderGithubSummary(report));
    },
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderGithubSummary(report: RunReport): string {
  const { summary } = report;
  const icon = report.verdict === 'PASSED' ? '✅' : '❌';
  const lines = [
    `## ${icon} agentwire ${report.profile}: ${report.verdict} (exit ${report.exit_code})`,
    '',
    `Target \`${report.target.ws_url}\`${report.problem ? ` — ${cell(report.problem)}` : ''}`,
    '',
    '| executed | passed | failed | skipped | unsupported |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${summary.executed} | ${summary.passed} | ${summary.failed} | ${summary.skipped} | ${summary.unsupported} |`,
    '',
  ];
  const failed = report.checks.filter((check) => check.status === 'failed');
  if (failed.length > 0) {
    lines.push('### Failed checks', '', '| check | rules | reason |', '| --- | --- | --- |');
    for (const check of failed)
      lines.push(`| \`${check.id}\` | ${check.rules.join(', ')} | ${cell(check.reason ?? '')} |`);
    lines.push('');
  }
  const notRun = new Map<string, number>();
  for (const check of report.checks)
    if (check.status === 'skipped' || check.status === 'unsupported') {
      const key = `${check.status}: ${check.reason ?? '(no reason given)'}`;
      notRun.set(key, (notRun.get(key) ?? 0) + 1);
    }
  if (notRun.size > 0) {
    lines.push('### Not executed, by reason', '', '| count | reason |', '| ---: | --- |');
    for (const [reason, count] of [...notRun].sort((a, b) => b[1] - a[1]))
      lines.push(`| ${count} | ${cell(reason)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
