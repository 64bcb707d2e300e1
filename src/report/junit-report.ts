/**
 * JUnit XML, the format every CI shows. Unsupported and skipped checks become <skipped> with
 * the reason, so they stay visible instead of vanishing; failures carry reason and evidence.
 */
import type { CheckResult, RunReport } from '../runner/index.js';

export function renderJunit(report: RunReport): string {
  const { summary } = report;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const cases = report.checks.map((result) => renderCase(result, seconds(result.duration_ms)));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="agentwire" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${summary.skipped + summary.unsupported}" time="${seconds(report.duration_ms)}">`,
    `  <testsuite name="${xml(`${report.profile} conformance`)}" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${summary.skipped + summary.unsupported}" time="${seconds(report.duration_ms)}" timestamp="${xml(report.started_at.replace(/Z$/, ''))}">`,
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
  const open = `    <testcase classname="${xml(result.rule)}" name="${xml(`${result.id}: ${result.title}`)}" time="${time}"`;
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
