/**
 * `monitor report`: the history as one self-contained HTML page (no request leaves it; a
 * Content-Security-Policy forbids any, and there is no script). Three trend charts in inline
 * SVG — pass rate, executed count and run duration per run — then the checks whose status
 * changed from one run to the next, and the alerts with what became of their webhook. Check
 * reasons can carry a server's strings, so every value is escaped as text.
 */
import type { StoredRun } from './history.js';

export interface StatusChange {
  run: number;
  startedAt: string;
  check: string;
  /** The status in the run before; `absent` when the check was not in it. */
  from: string;
  to: string;
  reason?: string;
}

/** Every check whose status differs from the run before (oldest first). */
export function statusChanges(runs: readonly StoredRun[]): StatusChange[] {
  const changes: StatusChange[] = [];
  for (let index = 1; index < runs.length; index++) {
    const before = new Map(runs[index - 1]!.checks.map((check) => [check.id, check.status]));
    const run = runs[index]!;
    for (const check of run.checks) {
      const from = before.get(check.id) ?? 'absent';
      if (from === check.status) continue;
      changes.push({
        run: run.id,
        startedAt: run.startedAt,
        check: check.id,
        from,
        to: check.status,
        ...(check.reason === undefined ? {} : { reason: check.reason }),
      });
    }
    const now = new Set(run.checks.map((check) => check.id));
    for (const [id, status] of before)
      if (!now.has(id))
        changes.push({ run: run.id, startedAt: run.startedAt, check: id, from: status, to: 'absent' });
  }
  return changes;
}

interface Point {
  run: number;
  at: string;
  value: number | null;
  label: string;
}

export function renderMonitorHtml(runs: readonly StoredRun[], source: string): string {
  const changes = statusChanges(runs).reverse();
  const alerts = runs.flatMap((run) => run.alerts).reverse();
  const last = runs.at(-1);
  const summary = last
    ? `${runs.length} run${runs.length === 1 ? '' : 's'} from ${runs[0]!.startedAt} to ${last.startedAt} against ${last.target}; last run ${last.id}: ${last.verdict} (${last.summary.passed} passed, ${last.summary.failed} failed, ${last.summary.executed} of ${last.summary.total} executed)`
    : 'no runs recorded yet';
  const point = (run: StoredRun, value: number | null, label: string): Point => ({
    run: run.id,
    at: run.startedAt,
    value,
    label,
  });
  const passRate = runs.map((run) =>
    run.summary.executed === 0
      ? point(run, null, 'nothing executed')
      : point(
          run,
          (100 * run.summary.passed) / run.summary.executed,
          `${round1((100 * run.summary.passed) / run.summary.executed)}% (${run.summary.passed}/${run.summary.executed})`,
        ),
  );
  const executed = runs.map((run) =>
    point(run, run.summary.executed, `${run.summary.executed} of ${run.summary.total}`),
  );
  const duration = runs.map((run) => point(run, run.durationMs / 1000, `${round1(run.durationMs / 1000)} s`));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>agentwire monitor</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d232a; max-width: 60rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
svg { background: #f7f8fa; border: 1px solid #d9dde3; }
svg .line { fill: none; stroke: #2563eb; stroke-width: 2; }
svg .dot { fill: #2563eb; } svg .dot.gap { fill: #b91c1c; }
svg text { font-size: 11px; fill: #59636e; }
svg .grid { stroke: #d9dde3; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
td.at { white-space: nowrap; }
td.passed { color: #15803d; } td.failed { color: #b91c1c; font-weight: 600; }
.empty { color: #59636e; }
code { font-size: 12px; }
</style>
</head>
<body>
<h1>agentwire monitor</h1>
<p id="summary">${escapeHtml(summary)}</p>
<p class="empty">history: ${escapeHtml(source)}</p>
<section id="trends">
${chart('pass-rate', 'Pass rate (% of executed checks that passed)', passRate, 100, '%')}
${chart('executed', 'Executed checks', executed, Math.max(1, ...executed.map((p) => p.value ?? 0)), '')}
${chart('duration', 'Run duration (s)', duration, Math.max(0.001, ...duration.map((p) => p.value ?? 0)), ' s')}
</section>
<h2>Checks that changed</h2>
${
  changes.length === 0
    ? '<p id="changes" class="empty">No check changed status between runs.</p>'
    : `<table id="changes"><thead><tr><th>run</th><th>at</th><th>check</th><th>before</th><th>after</th><th>reason</th></tr></thead><tbody>
${changes
  .map(
    (change) =>
      `<tr><td>${change.run}</td><td class="at">${escapeHtml(change.startedAt)}</td><td><code>${escapeHtml(change.check)}</code></td><td class="${escapeHtml(change.from)}">${escapeHtml(change.from)}</td><td class="${escapeHtml(change.to)}">${escapeHtml(change.to)}</td><td>${escapeHtml(change.reason ?? '')}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
}
<h2>Alerts</h2>
${
  alerts.length === 0
    ? '<p id="alerts" class="empty">No alerts.</p>'
    : `<table id="alerts"><thead><tr><th>run</th><th>kind</th><th>what</th><th>webhook</th></tr></thead><tbody>
${alerts
  .map(
    (alert) =>
      `<tr><td>${alert.runId}</td><td>${escapeHtml(alert.kind)}</td><td>${escapeHtml(alert.message)}</td><td>${escapeHtml(alert.webhook ?? 'none configured')}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
}
</body>
</html>
`;
}

const WIDTH = 720;
const HEIGHT = 170;
const LEFT = 48;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 28;

/** One trend as an inline SVG: a line through the runs (broken where a run has no value), a dot per run. */
function chart(id: string, caption: string, points: readonly Point[], max: number, unit: string): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const x = (index: number) =>
    LEFT + (points.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (points.length - 1));
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((point, index) => {
    if (point.value === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${current.length ? 'L' : 'M'}${x(index).toFixed(1)},${y(point.value).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(' '));
  const dots = points
    .map((point, index) =>
      point.value === null
        ? `<circle class="dot gap" cx="${x(index).toFixed(1)}" cy="${(TOP + plotHeight).toFixed(1)}" r="3"><title>run ${point.run} at ${escapeHtml(point.at)}: ${escapeHtml(point.label)}</title></circle>`
        : `<circle class="dot" cx="${x(index).toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="3"><title>run ${point.run} at ${escapeHtml(point.at)}: ${escapeHtml(point.label)}</title></circle>`,
    )
    .join('');
  const first = points[0];
  const lastPoint = points.at(-1);
  const axis = `<line class="grid" x1="${LEFT}" y1="${TOP}" x2="${WIDTH - RIGHT}" y2="${TOP}"/><line class="grid" x1="${LEFT}" y1="${TOP + plotHeight}" x2="${WIDTH - RIGHT}" y2="${TOP + plotHeight}"/><text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${escapeHtml(`${round1(max)}${unit}`)}</text><text x="${LEFT - 6}" y="${TOP + plotHeight + 4}" text-anchor="end">0</text>${
    first
      ? `<text x="${LEFT}" y="${HEIGHT - 8}">run ${first.run} ${escapeHtml(first.at)}</text>`
      : `<text x="${LEFT + plotWidth / 2}" y="${TOP + plotHeight / 2}" text-anchor="middle">no runs</text>`
  }${lastPoint && lastPoint !== first ? `<text x="${WIDTH - RIGHT}" y="${HEIGHT - 8}" text-anchor="end">run ${lastPoint.run} ${escapeHtml(lastPoint.at)}</text>` : ''}`;
  return `<figure data-chart="${id}"><figcaption>${escapeHtml(caption)}</figcaption><svg width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(caption)}">${axis}${segments.map((d) => `<path class="line" d="${d}"/>`).join('')}${dots}</svg></figure>`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const round1 = (value: number) => Math.round(value * 10) / 10;
