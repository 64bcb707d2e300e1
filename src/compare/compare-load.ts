/**
 * Two load reports side by side: latency percentiles per metric recomputed from each report's
 * HdrHistograms (not copied from its summary, so a merged shard report compares exactly),
 * counters, thresholds and verdicts.
 */
import { LATENCY_METRICS, type LatencyMetric, type LoadReport } from '../load/index.js';

export const COMPARED_STATS = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
type ComparedStat = (typeof COMPARED_STATS)[number];

export interface LatencyDelta {
  metric: LatencyMetric;
  stat: ComparedStat;
  a_ms: number;
  b_ms: number;
  delta_ms: number;
  /** b / a; null when a is 0 or either side recorded nothing. */
  ratio: number | null;
}

export interface LoadComparison {
  kind: 'load';
  a: { label: string; verdict: string; sessions: number; elapsed_ms: number };
  b: { label: string; verdict: string; sessions: number; elapsed_ms: number };
  latency: LatencyDelta[];
  counters: { name: string; a: number; b: number; delta: number }[];
  thresholds: { rule: string; a: 'held' | 'broke' | 'absent'; b: 'held' | 'broke' | 'absent' }[];
}

export function compareLoad(a: LoadReport, b: LoadReport, labels: { a: string; b: string }): LoadComparison {
  const latency: LatencyDelta[] = [];
  for (const metric of LATENCY_METRICS) {
    const before = a.latency_ms[metric];
    const after = b.latency_ms[metric];
    if (!before?.count || !after?.count) continue;
    for (const stat of COMPARED_STATS) {
      const aMs = before[stat];
      const bMs = after[stat];
      latency.push({
        metric,
        stat,
        a_ms: aMs,
        b_ms: bMs,
        delta_ms: round(bMs - aMs),
        ratio: aMs > 0 ? round(bMs / aMs) : null,
      });
    }
  }
  const counterNames = [...new Set([...Object.keys(a.counters), ...Object.keys(b.counters)])];
  const counters = counterNames.map((name) => {
    const valueA = (a.counters as Record<string, number>)[name] ?? 0;
    const valueB = (b.counters as Record<string, number>)[name] ?? 0;
    return { name, a: valueA, b: valueB, delta: valueB - valueA };
  });
  const thresholdRules = [
    ...new Set([...a.thresholds, ...b.thresholds].map((threshold) => threshold.expression)),
  ];
  const held = (report: LoadReport, rule: string) => {
    const found = report.thresholds.find((threshold) => threshold.expression === rule);
    return found ? (found.passed ? 'held' : 'broke') : 'absent';
  };
  return {
    kind: 'load',
    a: { label: labels.a, verdict: a.verdict, sessions: a.plan.sessions, elapsed_ms: a.elapsed_ms },
    b: { label: labels.b, verdict: b.verdict, sessions: b.plan.sessions, elapsed_ms: b.elapsed_ms },
    latency,
    counters,
    thresholds: thresholdRules.map((rule) => ({ rule, a: held(a, rule), b: held(b, rule) })),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;
