/**
 * The human view: a line per finished check on stderr as the run goes, then a summary with the
 * counts, every failed check with its reason, and the total time. Colour only on a TTY without NO_COLOR.
 */
import type { Check } from '../checks/index.js';
import type { CheckResult, RunObserver, RunReport } from '../runner/index.js';
import { evidenceLines } from './evidence-lines.js';

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

export function renderSummary(
  report: RunReport,
  problem: string | undefined,
  stream: Stream = process.stdout,
): string {
  const paint = colours(stream);
  const { summary } = report;
  const lines: string[] = [''];
  const failures = report.checks.filter((result) => result.status === 'failed');
  if (failures.length > 0) {
    lines.push(paint.bold(paint.red(`Failed checks (${failures.length}):`)));
    for (const result of failures) {
      lines.push(`  ${paint.red('✗')} ${result.id} — ${result.title}`, `      ${result.reason ?? ''}`);
      for (const line of evidenceLines(result.evidence)) lines.push(paint.grey(`        ${line}`));
    }
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
  if (problem) lines.push(paint.red(`  not checked: ${problem}`));
  return `${lines.join('\n')}\n`;
}
