/**
 * The load report: what was planned, latency percentiles, counters, thresholds and verdict,
 * plus the encoded histograms that let shard reports merge into exact overall percentiles.
 * Also the terminal table. Reading shard reports back and merging them: load-merge.ts.
 */
import type { Scenario } from '../protocol/index.js';
import { type LoadOutcome, type LoadPlan, shardUsers } from './load-run.js';
import {
  type Counter,
  LATENCY_DESCRIPTIONS,
  LATENCY_METRICS,
  type LatencyMetric,
  type LatencySummary,
  type LoadMetrics,
  type TimelinePoint,
} from './metrics.js';
import { evaluateThresholds, type Threshold, type ThresholdResult } from './thresholds.js';

export const LOAD_REPORT_KIND = 'agentwire-load';

export interface LoadReport {
  kind: typeof LOAD_REPORT_KIND;
  tool: { name: string; version: string };
  target: {
    ws_urls: string[];
    server: 'spawned' | 'external';
    /** Where the tokens came from (never the secret); optional, added without breaking readers. */
    auth?: string;
    /** Set when the TLS trust was not the system's: `insecure: true` for --insecure. */
    tls?: { insecure: boolean; ca?: boolean };
    /** Names (never values) of the extra headers (--header). */
    headers?: string[];
  };
  plan: {
    sessions_total: number;
    shards: number;
    /** The shard indexes this report covers (all of them after a merge). */
    shard_indexes: number[];
    sessions: number;
    /** closed: `sessions` users over the ramp; open: users arrive at a rate for a duration. */
    model: 'closed' | 'open';
    ramp_ms: number;
    arrival_rate_per_s: number | null;
    duration_ms: number | null;
    runs_per_session: number;
    think_ms: number;
    think_jitter_ms: number;
    hold_ms: number;
    scenario: Scenario;
    run_tag: string;
    /** Sessions run before the measured ones, left out of the numbers. */
    warmup_sessions: number;
  };
  started_at: string;
  elapsed_ms: number;
  /** Users that were started (fewer than plan.sessions when interrupted). */
  sessions_started: number;
  /** The most sessions open (between ready and close) at one time; summed over shards. */
  peak_open_sessions: number;
  /** Stopped by Ctrl+C or SIGTERM: a partial report of what ran until then. */
  interrupted: { during: 'warm-up' | 'run' } | null;
  /** What makes the numbers mean less than they seem (e.g. low concurrency). */
  warnings: string[];
  latency_ms: Record<LatencyMetric, LatencySummary>;
  counters: Record<Counter, number>;
  /** Reasons of failures, with how often each happened. */
  failures: Record<string, number>;
  server_rss_mb: number | null;
  /** What generating the load cost this process (all shards' summed after a merge). */
  generator: { cpu_ms: number; peak_rss_mb: number } | null;
  thresholds: ThresholdResult[];
  verdict: 'passed' | 'failed' | 'interrupted';
  /** One point a second: counts, open sessions, p50/p99 per metric. */
  timeline: TimelinePoint[];
  histograms: Record<LatencyMetric, string>;
}

export interface ReportContext {
  tool: { name: string; version: string };
  server: 'spawned' | 'external';
  /** report.target's auth, tls and headers. */
  access?: Pick<LoadReport['target'], 'auth' | 'tls' | 'headers'>;
  startedAt: Date;
  thresholds: readonly Threshold[];
}

/** The report's `plan`: what was asked of this shard. */
export function reportPlanOf(
  plan: LoadPlan,
  shardSessions = shardUsers(plan.sessions, plan.shard).length,
): LoadReport['plan'] {
  return {
    sessions_total: plan.sessions,
    shards: plan.shard.count,
    shard_indexes: [plan.shard.index],
    sessions: shardSessions,
    model: plan.arrival ? 'open' : 'closed',
    ramp_ms: plan.arrival ? 0 : plan.rampMs,
    arrival_rate_per_s: plan.arrival?.ratePerS ?? null,
    duration_ms: plan.arrival?.durationMs ?? null,
    runs_per_session: plan.runsPerSession,
    think_ms: plan.thinkMs,
    think_jitter_ms: plan.thinkJitterMs,
    hold_ms: plan.holdMs,
    scenario: plan.scenario,
    run_tag: plan.runTag,
    warmup_sessions: plan.warmupSessions,
  };
}

/** This process's CPU time and peak resident memory so far. */
function generatorCost(): LoadReport['generator'] {
  const usage = process.resourceUsage();
  return {
    cpu_ms: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    peak_rss_mb: Math.round(usage.maxRSS / 1024),
  };
}

export function buildLoadReport(plan: LoadPlan, outcome: LoadOutcome, context: ReportContext): LoadReport {
  return finishLoadReport(
    {
      kind: LOAD_REPORT_KIND,
      tool: context.tool,
      target: { ws_urls: plan.urls, server: context.server, ...context.access },
      plan: reportPlanOf(plan, outcome.sessions),
      started_at: context.startedAt.toISOString(),
      elapsed_ms: Math.round(outcome.elapsedMs),
      sessions_started: outcome.started,
      peak_open_sessions: outcome.peakOpen,
      interrupted: outcome.interrupted ?? null,
      timeline: outcome.metrics.timeline,
      server_rss_mb:
        outcome.peakServerRssBytes === undefined ? null : Math.round(outcome.peakServerRssBytes / 2 ** 20),
      generator: generatorCost(),
    },
    outcome.metrics,
    context.thresholds,
  );
}

export type ReportBase = Omit<
  LoadReport,
  'latency_ms' | 'counters' | 'failures' | 'thresholds' | 'verdict' | 'histograms' | 'warnings'
>;

/** Below this share of the planned sessions open at once, the report says so. */
const LOW_CONCURRENCY = 0.8;
/** A generator this late on its schedule (p99, ms) measures its own delay too. */
const LATE_SCHEDULE_MS = 100;

/** Failure reasons that say the generator's machine, not the server, ran out of something. */
export function resourceWarnings(failures: ReadonlyMap<string, number>): string[] {
  let outOfFiles = 0;
  let outOfPorts = 0;
  for (const [reason, count] of failures) {
    if (reason.endsWith(': EMFILE') || reason.endsWith(': ENFILE')) outOfFiles += count;
    if (reason.endsWith(': EADDRNOTAVAIL')) outOfPorts += count;
  }
  const warnings: string[] = [];
  if (outOfFiles)
    warnings.push(
      `${outOfFiles} sessions failed with EMFILE: this process ran out of file descriptors (each session holds one); raise the limit before the run, e.g. \`ulimit -n 65536\` (see \`ulimit -Hn\` for the most it may be)`,
    );
  if (outOfPorts)
    warnings.push(
      `${outOfPorts} sessions failed with EADDRNOTAVAIL: one source address ran out of ephemeral ports; spread the sessions with --local-address (e.g. --local-address 127.0.0.2 --local-address 127.0.0.3 on loopback)`,
    );
  return warnings;
}

function warningsOf(
  base: ReportBase,
  latency: Record<LatencyMetric, LatencySummary>,
  failures: ReadonlyMap<string, number>,
): string[] {
  const warnings: string[] = resourceWarnings(failures);
  const { plan } = base;
  if (base.interrupted)
    warnings.push(
      `interrupted during the ${base.interrupted.during} after ${base.sessions_started} of ${plan.sessions} sessions started: a partial report`,
    );
  else if (plan.model === 'closed' && base.peak_open_sessions < LOW_CONCURRENCY * plan.sessions)
    warnings.push(
      `at most ${base.peak_open_sessions} of the ${plan.sessions} sessions were open at once (${Math.round((100 * base.peak_open_sessions) / Math.max(1, plan.sessions))} %): sessions ended before the ramp did; to have them all open together keep them with --hold-ms at least --ramp-ms (${plan.ramp_ms}), or shorten --ramp-ms`,
    );
  if (latency.schedule_lag.count && latency.schedule_lag.p99 > LATE_SCHEDULE_MS)
    warnings.push(
      `the generator fell behind its schedule (schedule_lag p99 ${latency.schedule_lag.p99} ms): it was short of CPU, and its own delay is in the numbers; spread the plan over more shards`,
    );
  return warnings;
}

/** The report of a run or of merged shards: latencies, thresholds, verdict, warnings. */
export function finishLoadReport(
  base: ReportBase,
  metrics: LoadMetrics,
  thresholds: readonly Threshold[],
): LoadReport {
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
    warnings: warningsOf(base, latency, metrics.failures),
    latency_ms: latency,
    counters: { ...metrics.counters },
    failures: Object.fromEntries(metrics.failures),
    thresholds: results,
    verdict: base.interrupted
      ? 'interrupted'
      : results.every((result) => result.passed)
        ? 'passed'
        : 'failed',
    histograms: metrics.encode(),
  };
}

/** One line saying what the plan is, printed before the run and atop the table. */
export function describePlan(plan: LoadReport['plan'], target: LoadReport['target']): string {
  const shards =
    plan.shards > 1
      ? ` (shard${plan.shard_indexes.length > 1 ? 's' : ''} ${plan.shard_indexes.join(',')} of ${plan.shards}, ${plan.sessions_total} in all)`
      : '';
  const model =
    plan.model === 'open'
      ? `open model: ${plan.arrival_rate_per_s}/s for ${plan.duration_ms} ms, ${plan.sessions} sessions${shards}`
      : `closed model: ${plan.sessions} sessions${shards} over a ${plan.ramp_ms} ms ramp`;
  const think =
    plan.think_ms || plan.think_jitter_ms ? `, think ${plan.think_ms}±${plan.think_jitter_ms} ms` : '';
  const warmup = plan.warmup_sessions
    ? `warm-up ${plan.warmup_sessions} sessions first (not counted)`
    : 'no warm-up';
  return (
    `load: ${model}, ${plan.runs_per_session} run(s) each${think}, hold ${plan.hold_ms} ms → ` +
    `${target.ws_urls.join(', ')}${target.server === 'spawned' ? ' (started here)' : ''}; ${warmup}` +
    // Loud on purpose: numbers from a target whose certificate was not checked may not be its own.
    (target.tls?.insecure
      ? "; ⚠ TLS NOT VERIFIED (--insecure): the target's certificate was not checked"
      : '')
  );
}

/** The terminal summary: a percentile table, the counters, each threshold, the verdict. */
export function formatLoadReport(report: LoadReport): string {
  const lines: string[] = [];
  lines.push(describePlan(report.plan, report.target));
  if (report.target.auth && report.target.auth !== 'HS256 shared secret')
    lines.push(`  auth ${report.target.auth}`);
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
    `  sessions ${c.sessions_opened} opened, ${c.sessions_failed} failed (peak ${report.peak_open_sessions} open at once of ${report.plan.sessions} planned); ` +
      `runs ${c.runs_completed}/${c.runs_started} completed, ${c.runs_failed} failed; ${c.events_received} events; ` +
      `${c.seq_violations} seq violations, ${c.foreign_events} foreign events, ${c.error_frames} error frames` +
      (report.server_rss_mb === null ? '' : `; server peak RSS ${report.server_rss_mb} MiB`) +
      (report.generator
        ? `; generator ${(report.generator.cpu_ms / 1000).toFixed(1)} s CPU, peak RSS ${report.generator.peak_rss_mb} MiB`
        : ''),
  );
  for (const [reason, count] of Object.entries(report.failures).slice(0, 8))
    lines.push(`  ✗ ${count}× ${reason}`);
  for (const warning of report.warnings) lines.push(`  ⚠ ${warning}`);
  for (const result of report.thresholds) {
    const actual = result.actual === undefined ? 'not measured' : String(result.actual);
    lines.push(
      `  ${result.passed ? '✔' : '✗'} ${result.expression} (${actual})${result.source === 'default' ? '' : ' [given]'}`,
    );
  }
  lines.push(
    `  verdict: ${report.verdict.toUpperCase()} in ${(report.elapsed_ms / 1000).toFixed(1)} s` +
      (report.interrupted ? ' (partial report: the thresholds above judge only what ran)' : ''),
  );
  return lines.join('\n');
}
