/**
 * The load report: what was planned, latency percentiles, counters, thresholds and verdict,
 * plus the encoded histograms that let shard reports merge into exact overall percentiles.
 * Also the terminal table. Validated with zod when read back, so a wrong or partial file is
 * refused with the reason.
 */
import { z } from 'zod';
import type { Scenario } from '../protocol/index.js';
import type { LoadOutcome, LoadPlan } from './load-run.js';
import {
  COUNTERS,
  type Counter,
  LATENCY_DESCRIPTIONS,
  LATENCY_METRICS,
  type LatencyMetric,
  type LatencySummary,
  LoadMetrics,
} from './metrics.js';
import { evaluateThresholds, type Threshold, type ThresholdResult } from './thresholds.js';

export const LOAD_REPORT_KIND = 'agentwire-load';

export interface LoadReport {
  kind: typeof LOAD_REPORT_KIND;
  tool: { name: string; version: string };
  target: { ws_urls: string[]; server: 'spawned' | 'external' };
  plan: {
    sessions_total: number;
    shards: number;
    /** The shard indexes this report covers (all of them after a merge). */
    shard_indexes: number[];
    sessions: number;
    ramp_ms: number;
    runs_per_session: number;
    hold_ms: number;
    scenario: Scenario;
    run_tag: string;
    warmup_sessions: number;
  };
  started_at: string;
  elapsed_ms: number;
  peak_open_sessions: number;
  latency_ms: Record<LatencyMetric, LatencySummary>;
  counters: Record<Counter, number>;
  /** Reasons of failures, with how often each happened. */
  failures: Record<string, number>;
  server_rss_mb: number | null;
  thresholds: ThresholdResult[];
  verdict: 'passed' | 'failed';
  histograms: Record<LatencyMetric, string>;
}

export interface ReportContext {
  tool: { name: string; version: string };
  server: 'spawned' | 'external';
  startedAt: Date;
  thresholds: readonly Threshold[];
}

export function buildLoadReport(plan: LoadPlan, outcome: LoadOutcome, context: ReportContext): LoadReport {
  return finish(
    {
      kind: LOAD_REPORT_KIND,
      tool: context.tool,
      target: { ws_urls: plan.urls, server: context.server },
      plan: {
        sessions_total: plan.sessions,
        shards: plan.shard.count,
        shard_indexes: [plan.shard.index],
        sessions: outcome.sessions,
        ramp_ms: plan.rampMs,
        runs_per_session: plan.runsPerSession,
        hold_ms: plan.holdMs,
        scenario: plan.scenario,
        run_tag: plan.runTag,
        warmup_sessions: plan.warmupSessions,
      },
      started_at: context.startedAt.toISOString(),
      elapsed_ms: Math.round(outcome.elapsedMs),
      peak_open_sessions: outcome.peakOpen,
      server_rss_mb:
        outcome.peakServerRssBytes === undefined ? null : Math.round(outcome.peakServerRssBytes / 2 ** 20),
    },
    outcome.metrics,
    context.thresholds,
  );
}

type ReportBase = Omit<
  LoadReport,
  'latency_ms' | 'counters' | 'failures' | 'thresholds' | 'verdict' | 'histograms'
>;

function finish(base: ReportBase, metrics: LoadMetrics, thresholds: readonly Threshold[]): LoadReport {
  const latency = Object.fromEntries(LATENCY_METRICS.map((name) => [name, metrics.summary(name)])) as Record<
    LatencyMetric,
    LatencySummary
  >;
  const results = evaluateThresholds(thresholds, {
    latency,
    counters: metrics.counters,
    ...(base.server_rss_mb === null ? {} : { server_rss_mb: base.server_rss_mb }),
  });
  return {
    ...base,
    latency_ms: latency,
    counters: { ...metrics.counters },
    failures: Object.fromEntries(metrics.failures),
    thresholds: results,
    verdict: results.every((result) => result.passed) ? 'passed' : 'failed',
    histograms: metrics.encode(),
  };
}

const shardFileSchema = z.object({
  kind: z.literal(LOAD_REPORT_KIND),
  tool: z.object({ name: z.string(), version: z.string() }),
  target: z.object({ ws_urls: z.array(z.string()).min(1), server: z.enum(['spawned', 'external']) }),
  plan: z.object({
    sessions_total: z.number().int().positive(),
    shards: z.number().int().positive(),
    shard_indexes: z.array(z.number().int().positive()).min(1),
    sessions: z.number().int().nonnegative(),
    ramp_ms: z.number().nonnegative(),
    runs_per_session: z.number().int().nonnegative(),
    hold_ms: z.number().nonnegative(),
    scenario: z.record(z.string(), z.unknown()),
    run_tag: z.string(),
    warmup_sessions: z.number().int().nonnegative(),
  }),
  started_at: z.string(),
  elapsed_ms: z.number().nonnegative(),
  peak_open_sessions: z.number().int().nonnegative(),
  counters: z.object(Object.fromEntries(COUNTERS.map((name) => [name, z.number().int().nonnegative()]))),
  failures: z.record(z.string(), z.number()),
  server_rss_mb: z.number().nullable(),
  histograms: z.object(Object.fromEntries(LATENCY_METRICS.map((name) => [name, z.string().min(1)]))),
});

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/**
 * One report for the whole plan from its shard reports: histograms and counters added, so the
 * percentiles are those of all samples. Refuses files of different plans, a shard twice, or a
 * missing shard, naming which.
 */
export function mergeLoadReports(
  files: ReadonlyArray<{ name: string; content: unknown }>,
  thresholds: readonly Threshold[],
): LoadReport {
  if (files.length === 0)
    throw new MergeError('no shard reports given: pass the report files of every shard');
  const parsed = files.map(({ name, content }) => {
    const result = shardFileSchema.safeParse(content);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new MergeError(
        `${name} is not an agentwire load report (${issue.path.join('.') || 'top level'}: ${issue.message}): pass the files written by "agentwire load --out"`,
      );
    }
    return { name, report: result.data };
  });
  const first = parsed[0]!.report;
  const seen = new Map<number, string>();
  for (const { name, report } of parsed) {
    const same =
      report.plan.run_tag === first.plan.run_tag &&
      report.plan.shards === first.plan.shards &&
      report.plan.sessions_total === first.plan.sessions_total;
    if (!same)
      throw new MergeError(
        `${name} belongs to another run (run tag ${report.plan.run_tag}, ${report.plan.shards} shards) than ${parsed[0]!.name} (run tag ${first.plan.run_tag}, ${first.plan.shards} shards): start every shard with the same --run-tag, --sessions and --shard i/n`,
      );
    for (const index of report.plan.shard_indexes) {
      const earlier = seen.get(index);
      if (earlier)
        throw new MergeError(`shard ${index}/${first.plan.shards} is in both ${earlier} and ${name}`);
      seen.set(index, name);
    }
  }
  const missing = [];
  for (let index = 1; index <= first.plan.shards; index++) if (!seen.has(index)) missing.push(index);
  if (missing.length)
    throw new MergeError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${first.plan.shards}`).join(', ')} missing: merge the reports of every shard`,
    );

  const metrics = new LoadMetrics();
  for (const { report } of parsed)
    metrics.add(
      report.histograms as Record<LatencyMetric, string>,
      report.counters as Record<Counter, number>,
      report.failures,
    );
  const rss = parsed
    .map(({ report }) => report.server_rss_mb)
    .filter((value): value is number => value !== null);
  const startedAt = parsed.map(({ report }) => report.started_at).sort()[0]!;
  return finish(
    {
      kind: LOAD_REPORT_KIND,
      tool: first.tool,
      target: first.target,
      plan: {
        ...first.plan,
        scenario: first.plan.scenario as Scenario,
        shard_indexes: [...seen.keys()].sort((a, b) => a - b),
        sessions: parsed.reduce((sum, { report }) => sum + report.plan.sessions, 0),
      },
      started_at: startedAt,
      elapsed_ms: Math.max(...parsed.map(({ report }) => report.elapsed_ms)),
      peak_open_sessions: parsed.reduce((sum, { report }) => sum + report.peak_open_sessions, 0),
      server_rss_mb: rss.length ? Math.max(...rss) : null,
    },
    metrics,
    thresholds,
  );
}

/** The terminal summary: a percentile table, the counters, each threshold, the verdict. */
export function formatLoadReport(report: LoadReport): string {
  const lines: string[] = [];
  const { plan } = report;
  lines.push(
    `load: ${plan.sessions} sessions${plan.shards > 1 ? ` (shards ${plan.shard_indexes.join(',')} of ${plan.shards}, ${plan.sessions_total} in all)` : ''}, ` +
      `${plan.runs_per_session} run(s) each, ramp ${plan.ramp_ms} ms, hold ${plan.hold_ms} ms → ${report.target.ws_urls.join(', ')}`,
  );
  lines.push(
    `  ${'latency (ms)'.padEnd(17)}${['count', 'p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => h.padStart(9)).join('')}`,
  );
  for (const name of LATENCY_METRICS) {
    const s = report.latency_ms[name];
    const cells = [String(s.count), ...[s.p50, s.p90, s.p99, s.p999, s.max].map((v) => v.toFixed(1))];
    lines.push(
      `  ${name.padEnd(17)}${cells.map((c) => c.padStart(9)).join('')}   ${LATENCY_DESCRIPTIONS[name]}`,
    );
  }
  const c = report.counters;
  lines.push(
    `  sessions ${c.sessions_opened} opened, ${c.sessions_failed} failed (peak ${report.peak_open_sessions} open); ` +
      `runs ${c.runs_completed}/${c.runs_started} completed, ${c.runs_failed} failed; ${c.events_received} events; ` +
      `${c.seq_violations} seq violations, ${c.foreign_events} foreign events, ${c.error_frames} error frames` +
      (report.server_rss_mb === null ? '' : `; server peak RSS ${report.server_rss_mb} MiB`),
  );
  for (const [reason, count] of Object.entries(report.failures).slice(0, 8))
    lines.push(`  ✗ ${count}× ${reason}`);
  for (const result of report.thresholds) {
    const actual = result.actual === undefined ? 'not measured' : String(result.actual);
    lines.push(
      `  ${result.passed ? '✔' : '✗'} ${result.expression} (${actual})${result.source === 'default' ? '' : ' [given]'}`,
    );
  }
  lines.push(`  verdict: ${report.verdict.toUpperCase()} in ${(report.elapsed_ms / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
