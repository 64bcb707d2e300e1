/**
 * report.html: one self-contained page (no request leaves it) with the verdict, the honest
 * counts, the environment decisions, and every check with its reason and evidence, filterable
 * by status. Frames come from the server under test, so the page never parses them as HTML:
 * the data travels as JSON with `<` escaped, and the script renders it with textContent only.
 */
import { type RunReport, type Stability, verdictOf } from '../runner/index.js';

/** Safe inside <script type="application/json">: no `</script>`, no `<!--`, no line separators. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

export function renderHtml(report: RunReport): string {
  const verdict = verdictOf(report, report.settings.allow_skip);
  // A repeated run's verdict is the series' (pass rates), kept in the report itself.
  const data = {
    report,
    verdict: {
      exit_code: report.exit_code ?? verdict.exitCode,
      problem: report.problem ?? verdict.problem ?? null,
    },
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>agentwire report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>agentwire <span id="profile"></span></h1>
  <p id="target"></p>
  <p id="verdict" role="status"></p>
</header>
<section id="summary" aria-label="summary"></section>
<section id="settings" aria-label="settings"></section>
${report.stability ? renderStabilitySection(report.stability) : ''}<details id="environment"><summary>Environment decisions</summary><ol id="decisions"></ol></details>
<nav id="filters" aria-label="filter by status"></nav>
<table id="checks">
  <thead><tr><th>status</th><th>check</th><th>rules</th><th>title / reason</th><th>ms</th></tr></thead>
  <tbody></tbody>
</table>
<script type="application/json" id="data">${embedJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The flake table of `run --repeat N`: checks that did not pass every time, worst first. */
function renderStabilitySection(stability: Stability): string {
  const unstable = stability.checks
    .filter((check) => check.pass_rate !== null && (check.pass_rate < 1 || check.flaky))
    .sort((a, b) => (a.pass_rate ?? 1) - (b.pass_rate ?? 1));
  const rows = unstable
    .map(
      (check) =>
        `<tr class="${check.flaky ? 'flaky' : 'failed'}"><td>${escapeHtml(check.id)}</td><td>${Math.round((check.pass_rate ?? 0) * 1000) / 10}% (${check.passed}/${check.executed})</td><td>${check.flaky ? 'flaky' : 'always failed'}</td><td>${check.failure_reasons.map((reason) => `${reason.count} × ${escapeHtml(reason.reason)}`).join('<br>')}</td><td>${check.duration_ms ? `${check.duration_ms.p50} / ${check.duration_ms.p90} / ${check.duration_ms.max}` : ''}</td></tr>`,
    )
    .join('');
  return `<section id="stability" aria-label="stability">
<h2>Stability over ${stability.runs} runs</h2>
<p>${stability.flaky.length} flaky, ${stability.below_min_pass_rate.length} below the minimum pass rate ${stability.min_pass_rate}; ${stability.checks.length - unstable.length} checks passed every time they ran.</p>
${unstable.length ? `<table id="flakes"><thead><tr><th>check</th><th>pass rate</th><th></th><th>failure reasons</th><th>ms p50 / p90 / max</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
</section>
`;
}

const STYLE = `
:root { --pass: #1a7f37; --fail: #cf222e; --skip: #9a6700; --unsup: #6e7781; font-family: system-ui, sans-serif; }
body { margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
#verdict { font-weight: 600; padding: .4rem .6rem; border-radius: 6px; display: inline-block; }
#verdict.ok { background: #dafbe1; color: var(--pass); }
#verdict.bad { background: #ffebe9; color: var(--fail); }
#summary { display: flex; gap: .6rem; margin: 1rem 0; flex-wrap: wrap; }
.count { border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .8rem; min-width: 6rem; }
.count b { display: block; font-size: 1.4rem; }
.count.failed b { color: var(--fail); } .count.passed b { color: var(--pass); }
.count.skipped b { color: var(--skip); } .count.unsupported b { color: var(--unsup); }
#settings { color: #57606a; font-size: .9rem; }
#environment { margin: .6rem 0; }
nav button { margin-right: .3rem; border: 1px solid #d0d7de; background: #f6f8fa; border-radius: 6px; padding: .25rem .7rem; cursor: pointer; }
nav button[aria-pressed="true"] { background: #0969da; color: white; border-color: #0969da; }
table { border-collapse: collapse; width: 100%; margin-top: .6rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d0d7de; vertical-align: top; font-size: .9rem; }
td.status { font-weight: 600; white-space: nowrap; }
tr.passed td.status { color: var(--pass); } tr.failed td.status { color: var(--fail); }
tr.skipped td.status { color: var(--skip); } tr.unsupported td.status { color: var(--unsup); }
code, pre { font-family: ui-monospace, monospace; font-size: .8rem; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: .3rem 0 0; }
.reason { color: #57606a; margin-top: .2rem; }
`;

// Plain browser JavaScript, no framework: builds the page from the embedded JSON, text only.
const SCRIPT = `
(() => {
  const { report, verdict } = JSON.parse(document.getElementById('data').textContent);
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  document.getElementById('profile').textContent = report.profile;
  const target = report.target;
  document.getElementById('target').textContent =
    (target.ag_ui_url || target.ws_url || '(no target)') + ' · ' + target.mode +
    (target.server ? ' · ' + target.server.name + ' ' + target.server.version : '') +
    (target.auth ? ' · auth ' + target.auth : '') +
    (target.tls && target.tls.ca ? ' · TLS verified with --ca' : '') +
    ' · ' + report.started_at + ' · ' + (report.duration_ms / 1000).toFixed(1) + ' s';
  // Loud on purpose: a run that trusted any certificate proves nothing about the real one.
  if (target.tls && target.tls.insecure)
    document.getElementById('target').after(
      el('p', { class: 'bad', text: "⚠ TLS NOT VERIFIED (--insecure): the target's certificate was not checked" }),
    );
  const verdictNode = document.getElementById('verdict');
  const s = report.summary;
  const ok = verdict.exit_code === 0;
  verdictNode.className = ok ? 'ok' : 'bad';
  verdictNode.textContent = (ok ? 'PASSED' : verdict.exit_code === 1 ? 'FAILED' : 'NOT CHECKED') +
    ' (exit ' + verdict.exit_code + ')' + (verdict.problem ? ': ' + verdict.problem : '') +
    (ok && s.executed === 0 ? ': nothing was executed (allowed by --allow-skip)' : '');
  const summary = document.getElementById('summary');
  for (const key of ['total', 'executed', 'passed', 'failed', 'skipped', 'unsupported'])
    summary.append(el('div', { class: 'count ' + key, 'data-count': key }, el('b', { text: String(s[key]) }), key));
  const settings = report.settings;
  document.getElementById('settings').textContent = [
    settings.execution_profile && 'profile ' + settings.execution_profile,
    'concurrency ' + settings.concurrency,
    'timeout ' + settings.check_timeout_ms + ' ms',
    'retries ' + settings.retries,
    settings.seed !== undefined && 'seed ' + settings.seed,
    settings.faults && 'faults ' + settings.faults.join(', '),
    'min executed ' + settings.min_executed,
  ].filter(Boolean).join(' · ');
  const decisions = (report.environment && report.environment.decisions) || [];
  const list = document.getElementById('decisions');
  for (const decision of decisions)
    list.append(el('li', { text: [decision.type, decision.tier, decision.service, decision.subject, decision.source,
      decision.detail || decision.reason || decision.message ||
        (decision.result && (decision.result.ok ? 'probe ok' : 'probe failed: ' + decision.result.error)) ||
        (decision.reasons && decision.reasons.join('; '))]
      .filter(Boolean).join(' · ') }));
  if (!decisions.length) document.getElementById('environment').hidden = true;

  const body = document.querySelector('#checks tbody');
  for (const check of report.checks) {
    const cell = el('td', {}, el('div', { text: check.title }));
    if (check.reason) cell.append(el('div', { class: 'reason', text: check.reason }));
    if (check.evidence) {
      const lines = (check.evidence.transcript || []).map((entry) =>
        entry.t_ms.toFixed(1).padStart(8) + ' ms  ' + entry.conn + ' ' + entry.dir + '  ' + JSON.stringify(entry.frame));
      if (check.evidence.omitted) lines.push('… ' + check.evidence.omitted + ' more entries left out');
      if (check.evidence.users) lines.push('users: ' + JSON.stringify(check.evidence.users));
      if (check.evidence.details) lines.push('details: ' + JSON.stringify(check.evidence.details, null, 2));
      cell.append(el('details', { class: 'evidence' }, el('summary', { text: 'evidence' }), el('pre', { text: lines.join('\\n') })));
    }
    body.append(el('tr', { class: check.status, 'data-status': check.status, 'data-id': check.id },
      el('td', { class: 'status', text: check.status }),
      el('td', {}, el('code', { text: check.id })),
      el('td', { text: (check.rules || [check.rule]).join(' ') }),
      cell,
      el('td', { text: String(check.duration_ms) })));
  }

  const filters = document.getElementById('filters');
  const apply = (status) => {
    for (const row of body.rows) row.hidden = status !== 'all' && row.dataset.status !== status;
    for (const button of filters.querySelectorAll('button'))
      button.setAttribute('aria-pressed', String(button.dataset.filter === status));
  };
  for (const status of ['all', 'failed', 'passed', 'skipped', 'unsupported']) {
    const count = status === 'all' ? report.checks.length : report.checks.filter((c) => c.status === status).length;
    const button = el('button', { type: 'button', 'data-filter': status, text: status + ' (' + count + ')' });
    button.addEventListener('click', () => apply(status));
    filters.append(button);
  }
  apply(s.failed > 0 ? 'failed' : 'all');
})();
`;
