/**
 * The human view: a line per finished check on stderr as the run goes, then a summary with the
 * counts, every failed check with its reason, and the total time. Colour only on a TTY without NO_COLOR.
 */
import type { Check } from '../checks/index.js';
import type { CheckResult, RunObserver, RunReport } from '../runner/index.js';
import { evidenceLines } from './evidence-lines.js';
import { renderJson } from './json-report.js';
import type { Reporter } from './reporter.js';

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export function colours(stream: Stream) {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const paint = (code: number) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { green: paint(32), red: paint(31), yellow: paint(33), grey: paint(90), bold: paint(1) };
}

const SYMBOL = { passed: '✓', failed: '✗', skipped: '○', unsupported: '–' } as const;

export class TerminalProgress implements RunObserver {
  private started = 0;
  private finished = 0;
  private readonly paint;

  constructor(
    private readonly total: number,
    private readonly target: string,
    private readonly stream: Stream = process.stderr,
  ) {
    this.paint = colours(stream);
  }

  onCheckStart(check: Check): void {
    if (this.started++ === 0) {
      this.stream.write(
        this.paint.grey(`running ${this.total} checks against ${this.target}; first: ${check.id}\n`),
      );
    }
  }

  onCheckEnd(result: CheckResult): void {
    this.finished++;
    const colour = {
      passed: this.paint.green,
      failed: this.paint.red,
      skipped: this.paint.yellow,
      unsupported: this.paint.yellow,
    }[result.status];
    const counter = this.paint.grey(
      `[${String(this.finished).padStart(String(this.total).length)}/${this.total}]`,
    );
    const note = result.status === 'passed' ? '' : this.paint.grey(` ${result.reason ?? ''}`);
    this.stream.write(
      `${counter} ${colour(SYMBOL[result.status])} ${result.id} ${this.paint.grey(`${result.duration_ms} ms`)}${note}\n`,
    );
  }
}

export interface SummaryOptions {
  /** Files the reports were written to, listed on the last line. */
  reportPaths?: readonly string[];
  stream?: Stream;
}

/** Reasons of checks that could not reach a target that had stopped answering. */
export const CONNECT_FAILURE = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|socket hang up|is unreachable/;

export function renderSummary(report: RunReport, options: SummaryOptions = {}): string {
  const paint = colours(options.stream ?? process.stdout);
  const { summary } = report;
  const lines: string[] = [''];
  const lost = report.target_lost;
  const failures = report.checks.filter((result) => result.status === 'failed');
  const shown = lost ? failures.filter((result) => !CONNECT_FAILURE.test(result.reason ?? '')) : failures;
  if (failures.length > 0) {
    lines.push(paint.bold(paint.red(`Failed checks (${failures.length}):`)));
    for (const result of shown) {
      lines.push(`  ${paint.red('✗')} ${result.id} — ${result.title}`, `      ${result.reason ?? ''}`);
      for (const line of evidenceLines(result.evidence)) lines.push(paint.grey(`        ${line}`));
    }
    if (lost)
      lines.push(
        paint.red(
          `  ✗ the target stopped answering after ${lost.after}; ${lost.checks} checks could not connect`,
        ),
      );
    lines.push('');
  }
  const skippedNote =
    summary.skipped > 0 ? paint.red(`${summary.skipped} skipped`) : `${summary.skipped} skipped`;
  lines.push(
    `${paint.bold('agentwire')} ${report.profile} · ${report.target.ag_ui_url ?? report.target.ws_url}`,
    `  ${summary.total} checks: ${summary.executed} executed (${paint.green(`${summary.passed} passed`)}, ${
      summary.failed > 0 ? paint.red(`${summary.failed} failed`) : '0 failed'
    }), ${skippedNote}, ${summary.unsupported} unsupported`,
    `  time ${(report.duration_ms / 1000).toFixed(2)} s${
      report.settings.seed === undefined ? '' : ` · seed ${report.settings.seed}`
    }`,
  );
  const plainAuth = !report.target.auth || ['HS256 shared secret', 'none'].includes(report.target.auth);
  if (!plainAuth || report.target.tls || report.target.headers)
    lines.push(
      `  auth ${report.target.auth ?? 'unknown'}${
        report.target.tls?.ca ? ' · TLS verified with --ca' : ''
      }${report.target.headers?.length ? ` · headers ${report.target.headers.join(', ')}` : ''}`,
    );
  // Loud on purpose: a run that trusted any certificate proves nothing about the real one.
  if (report.target.tls?.insecure)
    lines.push(
      paint.red(
        "  ⚠ TLS NOT VERIFIED (--insecure): the target's certificate was not checked; use --ca FILE to verify it",
      ),
    );
  const unsupported = report.checks.filter((result) => result.status === 'unsupported');
  if (unsupported.length > 0)
    lines.push(`  unsupported: ${unsupported.map((result) => result.id).join(', ')}`);
  if (report.left_out?.length)
    lines.push(
      `  left out (they start instances of their own; ask with --checks): ${report.left_out.map((c) => c.id).join(', ')}`,
    );
  if (report.problem) lines.push(paint.red(`  not checked: ${report.problem}`));
  const verdictColour =
    report.verdict === 'PASSED' ? paint.green : report.verdict === 'FAILED' ? paint.red : paint.yellow;
  const paths = options.reportPaths?.length ? ` · reports: ${options.reportPaths.join(', ')}` : '';
  lines.push(`${paint.bold(verdictColour(report.verdict))} · exit ${report.exit_code}${paths}`);
  return `${lines.join('\n')}\n`;
}

export interface TerminalReporterOptions {
  /** Progress and problems (default process.stderr). */
  stderr?: Stream;
  /** The summary, or the JSON report with `json` (default process.stdout). */
  stdout?: Stream;
  /** Print the report as JSON on stdout instead of the summary. */
  json?: boolean;
  reportPaths?: readonly string[];
}

/** Progress lines on stderr as checks finish, then the summary (or JSON) on stdout. */
export function terminalReporter(options: TerminalReporterOptions = {}): Reporter {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  let progress: TerminalProgress | undefined;
  return {
    name: 'terminal',
    onRunStart(run) {
      progress = new TerminalProgress(run.checks.length, run.target, stderr);
    },
    onCheckStart(check) {
      progress?.onCheckStart(check);
    },
    onCheckEnd(result) {
      progress?.onCheckEnd(result);
    },
    onRunEnd(report) {
      stdout.write(
        options.json
          ? renderJson(report)
          : renderSummary(report, {
              stream: stdout,
              ...(options.reportPaths ? { reportPaths: options.reportPaths } : {}),
            }),
      );
      const reasons = (report.environment?.reasons as string[] | undefined) ?? [];
      if (report.problem)
        stderr.write(`agentwire: ${report.problem}\n${reasons.map((reason) => `  - ${reason}\n`).join('')}`);
      if (report.settings.allow_skip && report.exit_code === 0 && report.summary.executed === 0)
        stderr.write(
          `agentwire: --allow-skip: exiting 0 although none of ${report.summary.total} checks executed (${report.summary.skipped} skipped)\n`,
        );
    },
  };
}
