/**
 * Pass/fail rules for a load run: `handshake_ready.p99<50` (latency in ms), `runs_failed==0`
 * (counters), `server_rss_mb<1024`. The defaults are AEP/1's performance targets (§7) and the
 * correctness a load test must keep; a rule given for the same key replaces the default one.
 */
import {
  COUNTERS,
  type Counter,
  LATENCY_METRICS,
  type LatencyMetric,
  type LatencySummary,
  STATS,
  type Stat,
} from './metrics.js';

export type Operator = '<' | '<=' | '==' | '>=' | '>';

export interface Threshold {
  expression: string;
  key: string;
  operator: Operator;
  limit: number;
  /** Defaults about what a run could not measure are reported, not failed; given ones fail. */
  source: 'default' | 'given';
}

export interface ThresholdResult extends Threshold {
  /** Undefined when the run did not measure it (no server memory of an external target). */
  actual: number | undefined;
  passed: boolean;
}

export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThresholdError';
  }
}

export const DEFAULT_THRESHOLDS = [
  'handshake_ready.p99<50',
  'delivery.p99<10',
  'sessions_failed==0',
  'runs_failed==0',
  'seq_violations==0',
  'foreign_events==0',
  'server_rss_mb<1024',
] as const;

const GAUGES = ['server_rss_mb'] as const;
const PATTERN = /^\s*([a-z_]+)(?:\.([a-z0-9]+))?\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*$/;

export function parseThreshold(expression: string, source: Threshold['source'] = 'given'): Threshold {
  const match = PATTERN.exec(expression);
  if (!match) {
    throw new ThresholdError(
      `threshold "${expression}" is not metric.stat<number or counter==number (e.g. handshake_ready.p99<50, runs_failed==0)`,
    );
  }
  const [, name, stat, operator, limit] = match as unknown as [
    string,
    string,
    string | undefined,
    Operator,
    string,
  ];
  if ((LATENCY_METRICS as readonly string[]).includes(name)) {
    if (!stat || !(STATS as readonly string[]).includes(stat))
      throw new ThresholdError(
        `threshold "${expression}": latency ${name} needs a statistic, one of ${STATS.join(', ')} (e.g. ${name}.p99<50)`,
      );
  } else if ((COUNTERS as readonly string[]).includes(name) || (GAUGES as readonly string[]).includes(name)) {
    if (stat)
      throw new ThresholdError(`threshold "${expression}": ${name} is a single number; drop ".${stat}"`);
  } else {
    throw new ThresholdError(
      `threshold "${expression}": unknown metric "${name}"; latencies: ${LATENCY_METRICS.join(', ')}; counters: ${[...COUNTERS, ...GAUGES].join(', ')}`,
    );
  }
  return {
    expression: expression.replace(/\s+/g, ''),
    key: stat ? `${name}.${stat}` : name,
    operator,
    limit: Number(limit),
    source,
  };
}

/** The defaults (unless dropped), with the user's rules replacing those of the same key. */
export function thresholdsOf(given: readonly string[], withDefaults: boolean): Threshold[] {
  const chosen = new Map<string, Threshold>();
  if (withDefaults)
    for (const expression of DEFAULT_THRESHOLDS) {
      const threshold = parseThreshold(expression, 'default');
      chosen.set(threshold.key, threshold);
    }
  for (const expression of given) {
    const threshold = parseThreshold(expression);
    chosen.set(threshold.key, threshold);
  }
  return [...chosen.values()];
}

export interface Measured {
  latency: Record<LatencyMetric, LatencySummary>;
  counters: Record<Counter, number>;
  server_rss_mb?: number;
}

export function evaluateThresholds(thresholds: readonly Threshold[], measured: Measured): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const actual = measuredValue(threshold.key, measured);
    const passed =
      actual === undefined
        ? threshold.source === 'default'
        : compare(actual, threshold.operator, threshold.limit);
    return { ...threshold, actual, passed };
  });
}

function measuredValue(key: string, measured: Measured): number | undefined {
  const [name, stat] = key.split('.') as [string, Stat | undefined];
  if (stat) {
    const summary = measured.latency[name as LatencyMetric];
    return summary.count ? summary[stat] : undefined;
  }
  if (name === 'server_rss_mb') return measured.server_rss_mb;
  return measured.counters[name as Counter];
}

function compare(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '==':
      return actual === limit;
    case '>=':
      return actual >= limit;
    case '>':
      return actual > limit;
  }
}
