/**
 * load.html: one self-contained page (no request leaves it) for a load report: the plan and
 * verdict, warnings, thresholds with their measured values, counters, each latency's percentile
 * distribution on HdrHistogram's log scale, and latency and throughput second by second. Failure
 * reasons can carry a server's strings, so the page never parses data as HTML: the data travels
 * as JSON with `<` escaped, and the script draws with textContent and SVG elements only.
 */
import * as hdr from 'hdr-histogram-js';
import { describePlan, type LoadReport } from './load-report.js';
import { LATENCY_DESCRIPTIONS, LATENCY_METRICS, type LatencyMetric } from './metrics.js';

/** Safe inside <script type="application/json">: no `</script>`, no `<!--`, no line separators. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/**
 * Percentile → ms points of a histogram on the usual "1 in N" scale (50 %, 75 %, 87.5 %, …,
 * the maximum), as HdrHistogram's percentile distribution output plots them.
 */
export function percentileDistribution(encoded: string | undefined): Array<[number, number]> {
  if (!encoded) return [];
  const histogram = hdr.decodeFromCompressedBase64(encoded);
  try {
    const count = histogram.totalCount;
    if (!count) return [];
    const points: Array<[number, number]> = [];
    for (let step = 0; step <= 60; step++) {
      const percentile = 100 * (1 - 0.5 ** (step / 2));
      points.push([percentile, histogram.getValueAtPercentile(percentile) / 1000]);
      if (1 / (1 - percentile / 100) >= count) break;
    }
    points.push([100, histogram.getValueAtPercentile(100) / 1000]);
    return points;
  } finally {
    histogram.destroy();
  }
}

export function renderLoadHtml(report: LoadReport): string {
  const { histograms: _encoded, ...rest } = report;
  const distributions = Object.fromEntries(
    LATENCY_METRICS.map((name) => [name, percentileDistribution(report.histograms[name])]),
  ) as Record<LatencyMetric, Array<[number, number]>>;
  const data = {
    report: rest,
    plan_line: describePlan(report.plan, report.target),
    descriptions: LATENCY_DESCRIPTIONS,
    metrics: LATENCY_METRICS,
    distributions,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>agentwire load report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>agentwire load</h1>
  <p id="plan"></p>
  <p id="verdict" role="status"></p>
  <ul id="warnings"></ul>
</header>
<h2>Thresholds</h2>
<table id="thresholds"><thead><tr><th></th><th>rule</th><th>measured</th><th>source</th></tr></thead><tbody></tbody></table>
<h2>Latency (ms)</h2>
<table id="latency"><thead><tr><th>metric</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>from → to</th></tr></thead><tbody></tbody></table>
<h2>Percentile distribution</h2>
<p class="note">HdrHistogram's plot: the x axis is logarithmic in "1 in N" (90 %, 99 %, 99.9 %, …), so the tail is as wide as the median.</p>
<div id="distributions" class="charts"></div>
<h2>Over time</h2>
<div id="timeline" class="charts"></div>
<h2>Counters</h2>
<table id="counters"><tbody></tbody></table>
<h2>Failures</h2>
<table id="failures"><thead><tr><th>count</th><th>reason</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="data">${embedJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; font-family: system-ui, sans-serif; }
body { margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
#verdict { font-weight: 600; padding: .4rem .6rem; border-radius: 6px; display: inline-block; }
#verdict.passed { background: #dafbe1; color: var(--pass); }
#verdict.failed { background: #ffebe9; color: var(--fail); }
#verdict.interrupted { background: #fff8c5; color: var(--warn); }
#warnings li { color: var(--warn); }
table { border-collapse: collapse; margin-top: .3rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d0d7de; font-size: .9rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.passed td:first-child { color: var(--pass); } tr.failed td:first-child { color: var(--fail); }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem; }
figcaption { font-size: .85rem; font-weight: 600; }
svg text { font-size: 10px; fill: #57606a; }
.note { color: #57606a; font-size: .85rem; }
`;

// Plain browser JavaScript, no framework: builds the page from the embedded JSON, text and SVG
// elements only.
const SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('data').textContent);
  const report = data.report;
  const SVG = 'http://www.w3.org/2000/svg';
  const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#9a6700', '#57606a'];
  const el = (tag, text, cls) => { const node = document.createElement(tag); if (text !== undefined) node.textContent = String(text); if (cls) node.className = cls; return node; };
  const svgEl = (tag, attrs) => { const node = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v)); return node; };
  const row = (cells, cls) => { const tr = el('tr', undefined, cls); for (const [text, c] of cells) tr.append(el('td', text, c)); return tr; };

  document.getElementById('plan').textContent = data.plan_line;
  const verdict = document.getElementById('verdict');
  verdict.textContent = report.verdict.toUpperCase() + ' in ' + (report.elapsed_ms / 1000).toFixed(1) + ' s, peak ' + report.peak_open_sessions + ' of ' + report.plan.sessions + ' sessions open at once' + (report.interrupted ? ' (partial report)' : '');
  verdict.className = report.verdict;
  for (const warning of report.warnings) document.getElementById('warnings').append(el('li', warning));

  const thresholds = document.querySelector('#thresholds tbody');
  for (const t of report.thresholds)
    thresholds.append(row([[t.passed ? '✔ held' : '✗ broken'], [t.expression], [t.actual === undefined || t.actual === null ? 'not measured' : t.actual, 'num'], [t.source]], t.passed ? 'passed' : 'failed'));

  const latency = document.querySelector('#latency tbody');
  for (const name of data.metrics) {
    const s = report.latency_ms[name];
    latency.append(row([[name], [s.count, 'num'], [s.p50, 'num'], [s.p90, 'num'], [s.p99, 'num'], [s.p999, 'num'], [s.max, 'num'], [data.descriptions[name]]]));
  }
  const counters = document.querySelector('#counters tbody');
  for (const [name, value] of Object.entries(report.counters)) counters.append(row([[name], [value, 'num']]));
  if (report.server_rss_mb !== null) counters.append(row([['server peak RSS (MiB)'], [report.server_rss_mb, 'num']]));
  if (report.generator) {
    counters.append(row([['generator CPU (s)'], [(report.generator.cpu_ms / 1000).toFixed(1), 'num']]));
    counters.append(row([['generator peak RSS (MiB)'], [report.generator.peak_rss_mb, 'num']]));
  }
  const failures = document.querySelector('#failures tbody');
  for (const [reason, count] of Object.entries(report.failures)) failures.append(row([[count, 'num'], [reason]]));
  if (!Object.keys(report.failures).length) failures.append(row([['0', 'num'], ['none']]));

  // A line chart: series of [x, y] points; xLog plots x on the "1 in N" scale of percentiles.
  function chart(parent, title, series, options) {
    const W = 460, H = 220, L = 52, R = 10, T = 10, B = 34;
    const figure = el('figure'); figure.dataset.chart = options.id;
    figure.append(el('figcaption', title));
    const svg = svgEl('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    const fx = options.xLog ? (x) => Math.log10(1 / Math.max(1e-7, 1 - x / 100)) : (x) => x;
    const all = series.flatMap((s) => s.points);
    if (!all.length) { figure.append(el('p', 'no samples', 'note')); parent.append(figure); return; }
    const xs = all.map((p) => fx(p[0])), ys = all.map((p) => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1e-9), y1 = Math.max(...ys, 1e-9) * 1.05;
    const px = (x) => L + ((fx(x) - x0) / (x1 - x0)) * (W - L - R);
    const py = (y) => H - B - (y / y1) * (H - T - B);
    svg.append(svgEl('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#8c959f' }));
    svg.append(svgEl('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#8c959f' }));
    for (let i = 0; i <= 4; i++) {
      const y = (y1 * i) / 4;
      const label = svgEl('text', { x: L - 4, y: py(y) + 3, 'text-anchor': 'end' }); label.textContent = y < 10 ? y.toFixed(1) : Math.round(y); svg.append(label);
    }
    const ticks = options.xLog ? [0, 90, 99, 99.9, 99.99, 99.999].filter((p) => fx(p) <= x1 + 1e-9) : [0, 0.25, 0.5, 0.75, 1].map((f) => x0 + f * (x1 - x0));
    for (const x of ticks) {
      const label = svgEl('text', { x: px(x), y: H - B + 14, 'text-anchor': 'middle' });
      label.textContent = options.xLog ? x + '%' : (x / 1000).toFixed(0) + ' s';
      svg.append(label);
    }
    const axis = svgEl('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }); axis.textContent = options.xLabel; svg.append(axis);
    const yAxis = svgEl('text', { x: 4, y: T + 8 }); yAxis.textContent = options.yLabel; svg.append(yAxis);
    series.forEach((s, i) => {
      if (!s.points.length) return;
      const d = s.points.map((p, j) => (j ? 'L' : 'M') + px(p[0]).toFixed(1) + ' ' + py(p[1]).toFixed(1)).join(' ');
      const path = svgEl('path', { d, fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 1.6 });
      path.dataset.series = s.name;
      svg.append(path);
      const key = svgEl('text', { x: W - R - 4, y: T + 10 + i * 12, 'text-anchor': 'end', fill: COLORS[i % COLORS.length] });
      key.textContent = s.name; svg.append(key);
    });
    figure.append(svg);
    parent.append(figure);
  }

  const distributions = document.getElementById('distributions');
  for (const name of data.metrics)
    chart(distributions, name + ' (' + report.latency_ms[name].count + ' samples)', [{ name, points: data.distributions[name] }], { id: 'hdr-' + name, xLog: true, xLabel: 'percentile', yLabel: 'ms' });

  const timeline = document.getElementById('timeline');
  const points = report.timeline;
  const perSecond = (n, p) => (n * 1000) / Math.max(1, p.t_ms - (points[points.indexOf(p) - 1]?.t_ms ?? 0));
  chart(timeline, 'throughput (per second)', [
    { name: 'runs completed/s', points: points.map((p) => [p.t_ms, perSecond(p.counts.runs_completed, p)]) },
    { name: 'runs failed/s', points: points.map((p) => [p.t_ms, perSecond(p.counts.runs_failed, p)]) },
    { name: 'sessions opened/s', points: points.map((p) => [p.t_ms, perSecond(p.counts.sessions_opened, p)]) },
    { name: 'events/s ÷ 10', points: points.map((p) => [p.t_ms, perSecond(p.counts.events_received, p) / 10]) },
  ], { id: 'throughput', xLabel: 'time', yLabel: 'per s' });
  chart(timeline, 'open sessions', [{ name: 'open', points: points.map((p) => [p.t_ms, p.open_sessions]) }], { id: 'open', xLabel: 'time', yLabel: 'sessions' });
  for (const name of data.metrics) {
    const having = points.filter((p) => p.latency_ms[name]);
    if (!having.length) continue;
    chart(timeline, name + ' over time', [
      { name: 'p50', points: having.map((p) => [p.t_ms, p.latency_ms[name].p50]) },
      { name: 'p99', points: having.map((p) => [p.t_ms, p.latency_ms[name].p99]) },
      { name: 'max', points: having.map((p) => [p.t_ms, p.latency_ms[name].max]) },
    ], { id: 'time-' + name, xLabel: 'time', yLabel: 'ms' });
  }
})();
`;
