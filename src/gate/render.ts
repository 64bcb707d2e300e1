/** The gate report for people: Markdown (for $GITHUB_STEP_SUMMARY) and the terminal. */
import { percent } from './gate.js';
import type { GateReport } from './gate-report.js';

/** Long lists are cut here; gate.json keeps everything. */
const MAX_ROWS = 50;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderGateMarkdown(report: GateReport): string {
  const { totals } = report;
  const lines: string[] = [];
  lines.push(`## agentwire gate: ${report.verdict === 'pass' ? '✅ passed' : '❌ failed'}`, '');
  lines.push('| tests | executed | passed | failed | skipped | skipped ratio |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: |');
  lines.push(
    `| ${totals.tests} | ${totals.executed} | ${totals.passed} | ${totals.failed} | ${totals.skipped} | ${percent(totals.skipped_ratio)} |`,
    '',
  );
  if (report.problems.length > 0) {
    lines.push('### Why it failed', '', ...report.problems.map((problem) => `- ${problem}`), '');
  }
  if (report.skip_reasons.length > 0) {
    lines.push('### Skip reasons', '', '| count | reason | for example |', '| ---: | --- | --- |');
    for (const group of report.skip_reasons.slice(0, MAX_ROWS))
      lines.push(`| ${group.count} | ${cell(group.reason)} | ${cell(group.examples.join('; '))} |`);
    lines.push('');
  }
  if (report.coverage_loss) {
    const { now_skipped, vanished } = report.coverage_loss;
    lines.push(`### Against the baseline (${cell(report.criteria.baseline ?? '')})`, '');
    if (now_skipped.length === 0 && vanished.length === 0)
      lines.push('Every test executed in the baseline still executes.');
    for (const test of now_skipped.slice(0, MAX_ROWS))
      lines.push(`- now skipped: \`${test.id}\` (${test.reason})`);
    for (const id of vanished.slice(0, MAX_ROWS)) lines.push(`- vanished: \`${id}\``);
    lines.push('');
  }
  if (report.failed_tests.length > 0) {
    lines.push('### Failed tests', '');
    for (const test of report.failed_tests.slice(0, MAX_ROWS))
      lines.push(`- \`${test.id}\`: ${cell(test.reason)}`);
    lines.push('');
  }
  lines.push('### Per suite', '', '| suite | tests | executed | passed | failed | skipped |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const suite of report.suites.slice(0, MAX_ROWS))
    lines.push(
      `| ${cell(suite.name)} | ${suite.tests} | ${suite.executed} | ${suite.passed} | ${suite.failed} | ${suite.skipped} |`,
    );
  if (report.suites.length > MAX_ROWS)
    lines.push(`\n${report.suites.length - MAX_ROWS} more suites in gate.json`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}

export function renderGateTerminal(report: GateReport): string {
  const { totals } = report;
  const lines: string[] = [];
  lines.push(
    `gate ${report.verdict === 'pass' ? 'PASSED' : 'FAILED'}: ${totals.executed} executed (${totals.passed} passed, ${totals.failed} failed), ${totals.skipped} skipped of ${totals.tests} tests in ${report.reports.length} report${report.reports.length === 1 ? '' : 's'}`,
  );
  for (const problem of report.problems) lines.push(`  ✗ ${problem}`);
  if (report.skip_reasons.length > 0) {
    lines.push('skipped, by reason:');
    for (const group of report.skip_reasons.slice(0, 10))
      lines.push(`  ${String(group.count).padStart(5)} × ${group.reason}`);
  }
  if (report.coverage_loss) {
    for (const test of report.coverage_loss.now_skipped.slice(0, 20))
      lines.push(`  now skipped: ${test.id} (${test.reason})`);
    for (const id of report.coverage_loss.vanished.slice(0, 20)) lines.push(`  vanished:    ${id}`);
  }
  for (const test of report.failed_tests.slice(0, 20)) lines.push(`  failed: ${test.id}: ${test.reason}`);
  lines.push('per file:');
  for (const file of report.files.slice(0, 30))
    lines.push(`  ${file.name}: ${file.executed} executed, ${file.failed} failed, ${file.skipped} skipped`);
  return `${lines.join('\n')}\n`;
}
