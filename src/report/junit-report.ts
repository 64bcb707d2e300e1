/**
 * JUnit XML, the format every CI shows. Unsupported and skipped checks become <skipped> with
 * the reason, so they stay visible instead of vanishing; failures carry reason and evidence.
 */
import type { CheckResult, RunReport } from '../runner/index.js';

/** The test case that makes CI show red when nothing (or less than asked) could be checked. */
export const NOT_CHECKED_CASE = 'agentwire/run-not-checked';

export function renderJunit(report: RunReport): string {
  const { summary } = report;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const cases = report.checks.map((result) => renderCase(result, seconds(result.duration_ms)));
  // Exit 2: one <error> case that says why, so "97 skipped, 0 failures" does not read as green.
  const notChecked = report.exit_code === 2;
  if (notChecked)
    cases.unshift(
      `    <testcase classname="agentwire" name="${NOT_CHECKED_CASE}" title="the run could not check what it was asked" time="0.000">\n      <error message="${xml(report.problem ?? 'not checked')}" type="${xml(report.verdict)}">${xml(report.problem ?? '')}</error>\n    </testcase>`,
    );
  const tests = summary.total + (notChecked ? 1 : 0);
  const errors = notChecked ? 1 : 0;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="agentwire" tests="${tests}" failures="${summary.failed}" errors="${errors}" skipped="${summary.skipped + summary.unsupported}" time="${seconds(report.duration_ms)}">`,
    `  <testsuite name="${xml(`${report.profile} conformance`)}" tests="${tests}" failures="${summary.failed}" errors="${errors}" skipped="${summary.skipped + summary.unsupported}" time="${seconds(report.duration_ms)}" timestamp="${xml(report.started_at.replace(/Z$/, ''))}">`,
    '    <properties>',
    `      <property name="target" value="${xml(report.target.ws_url)}"/>`,
    `      <property name="executed" value="${summary.executed}"/>`,
    `      <property name="unsupported" value="${summary.unsupported}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function renderCase(result: CheckResult, time: string): string {
  // The name is the check id, stable across reworded titles, so CI keeps the test's history.
  const open = `    <testcase classname="${xml(result.rule)}" name="${xml(result.id)}" title="${xml(result.title)}" time="${time}"`;
  switch (result.status) {
    case 'passed':
      return `${open}/>`;
    case 'failed': {
      const evidence = JSON.stringify(result.evidence ?? {}, null, 2);
      return `${open}>\n      <failure message="${xml(result.reason ?? '')}" type="${xml(result.rule)}">${xml(evidence)}</failure>\n    </testcase>`;
    }
    default:
      return `${open}>\n      <skipped message="${xml(`${result.status}: ${result.reason ?? ''}`)}"/>\n    </testcase>`;
  }
}

function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
