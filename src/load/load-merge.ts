/**
 * Merging shard reports into one: each file validated with zod (a wrong or partial file is
 * refused, naming it), histograms and counters added, so the merged percentiles are those of
 * every sample. Apart from the rest of the report code, so a load run does not load zod.
 */
import { z } from 'zod';
import type { Scenario } from '../protocol/index.js';
import { finishLoadReport, LOAD_REPORT_KIND, type LoadReport } from './load-report.js';
import {
  COUNTERS,
  type Counter,
  LATENCY_METRICS,
  type LatencyMetric,
  LoadMetrics,
  type TimelinePoint,
} from './metrics.js';
import type { Threshold } from './thresholds.js';

const timelinePointSchema = z.object({
  t_ms: z.number().nonnegative(),
  open_sessions: z.number().int(),
  counts: z.record(z.string(), z.number()),
  latency_ms: z.record(
    z.string(),
    z.object({ count: z.number(), p50: z.number(), p99: z.number(), max: z.number() }),
  ),
});

const shardFileSchema = z.object({
  kind: z.literal(LOAD_REPORT_KIND),
  tool: z.object({ name: z.string(), version: z.string() }),
  target: z.object({
    ws_urls: z.array(z.string()).min(1),
    server: z.enum(['spawned', 'external']),
    auth: z.string().optional(),
    tls: z.object({ insecure: z.boolean(), ca: z.boolean().optional() }).optional(),
    headers: z.array(z.string()).optional(),
  }),
  plan: z.object({
    sessions_total: z.number().int().positive(),
    shards: z.number().int().positive(),
    shard_indexes: z.array(z.number().int().positive()).min(1),
    sessions: z.number().int().nonnegative(),
    model: z.enum(['closed', 'open']).default('closed'),
    ramp_ms: z.number().nonnegative(),
    arrival_rate_per_s: z.number().positive().nullable().default(null),
    duration_ms: z.number().nonnegative().nullable().default(null),
    runs_per_session: z.number().int().nonnegative(),
    think_ms: z.number().nonnegative().default(0),
    think_jitter_ms: z.number().nonnegative().default(0),
    hold_ms: z.number().nonnegative(),
    scenario: z.record(z.string(), z.unknown()),
    run_tag: z.string(),
    warmup_sessions: z.number().int().nonnegative(),
  }),
  started_at: z.string(),
  elapsed_ms: z.number().nonnegative(),
  sessions_started: z.number().int().nonnegative().optional(),
  peak_open_sessions: z.number().int().nonnegative(),
  interrupted: z
    .object({ during: z.enum(['warm-up', 'run']) })
    .nullable()
    .default(null),
  timeline: z.array(timelinePointSchema).default([]),
  counters: z.object(Object.fromEntries(COUNTERS.map((name) => [name, z.number().int().nonnegative()]))),
  failures: z.record(z.string(), z.number()),
  server_rss_mb: z.number().nullable(),
  generator: z.object({ cpu_ms: z.number(), peak_rss_mb: z.number() }).nullable().default(null),
  // Reports of earlier versions lack the newer metrics (schedule_lag): they add nothing.
  histograms: z.object(
    Object.fromEntries(LATENCY_METRICS.map((name) => [name, z.string().min(1).optional()])),
  ),
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
      report.plan.sessions_total === first.plan.sessions_total &&
      report.plan.model === first.plan.model;
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
      report.histograms as Partial<Record<LatencyMetric, string>>,
      report.counters as Record<Counter, number>,
      report.failures,
    );
  const rss = parsed
    .map(({ report }) => report.server_rss_mb)
    .filter((value): value is number => value !== null);
  const startedAt = parsed.map(({ report }) => report.started_at).sort()[0]!;
  return finishLoadReport(
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
      sessions_started: parsed.reduce(
        (sum, { report }) => sum + (report.sessions_started ?? report.plan.sessions),
        0,
      ),
      // The sum of each shard's peak: an upper bound, the peaks need not coincide.
      peak_open_sessions: parsed.reduce((sum, { report }) => sum + report.peak_open_sessions, 0),
      interrupted: parsed.find(({ report }) => report.interrupted)?.report.interrupted ?? null,
      timeline: mergeTimelines(parsed.map(({ report }) => report.timeline as TimelinePoint[])),
      server_rss_mb: rss.length ? Math.max(...rss) : null,
      generator: parsed.every(({ report }) => report.generator)
        ? {
            cpu_ms: parsed.reduce((sum, { report }) => sum + report.generator!.cpu_ms, 0),
            peak_rss_mb: parsed.reduce((sum, { report }) => sum + report.generator!.peak_rss_mb, 0),
          }
        : null,
    },
    metrics,
    thresholds,
  );
}

/**
 * The shards' timelines second by second: counts and open sessions added; an interval's
 * latencies are the slowest shard's (its percentiles cannot be added).
 */
function mergeTimelines(timelines: TimelinePoint[][]): TimelinePoint[] {
  const length = Math.max(0, ...timelines.map((timeline) => timeline.length));
  const merged: TimelinePoint[] = [];
  for (let index = 0; index < length; index++) {
    const points = timelines.map((timeline) => timeline[index]).filter((point) => point !== undefined);
    const counts: Record<string, number> = {};
    const latency: TimelinePoint['latency_ms'] = {};
    for (const point of points) {
      for (const [name, count] of Object.entries(point.counts)) counts[name] = (counts[name] ?? 0) + count;
      for (const [name, value] of Object.entries(point.latency_ms) as Array<
        [LatencyMetric, NonNullable<TimelinePoint['latency_ms'][LatencyMetric]>]
      >) {
        const seen = latency[name];
        latency[name] = seen
          ? {
              count: seen.count + value.count,
              p50: Math.max(seen.p50, value.p50),
              p99: Math.max(seen.p99, value.p99),
              max: Math.max(seen.max, value.max),
            }
          : { ...value };
      }
    }
    merged.push({
      t_ms: Math.max(...points.map((point) => point.t_ms)),
      open_sessions: points.reduce((sum, point) => sum + point.open_sessions, 0),
      counts: counts as TimelinePoint['counts'],
      latency_ms: latency,
    });
  }
  return merged;
}
