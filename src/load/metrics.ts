/**
 * Latency histograms (HdrHistogram, microsecond resolution, 3 significant digits) and the
 * counters of a load run. Percentiles come from the full distribution, never from averages of
 * percentiles: shards ship their histograms encoded, and merging adds the histograms themselves.
 */
import * as hdr from 'hdr-histogram-js';

export const LATENCY_METRICS = [
  'handshake_ready',
  'ack',
  'first_event',
  'delivery',
  'run',
  'schedule_lag',
] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export const LATENCY_DESCRIPTIONS: Record<LatencyMetric, string> = {
  handshake_ready: 'connect → ready frame',
  ack: 'user_message sent → ack',
  first_event: 'user_message sent → first event of the run',
  delivery: 'event ts (server clock) → received (this clock; same host only)',
  run: 'user_message sent → agent_completed',
  schedule_lag: 'planned → actual connect or send (the generator keeping its schedule)',
};

export const COUNTERS = [
  'sessions_opened',
  'sessions_failed',
  'runs_started',
  'runs_completed',
  'runs_failed',
  'events_received',
  'error_frames',
  'seq_violations',
  'foreign_events',
] as const;
export type Counter = (typeof COUNTERS)[number];

export const STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const;
export type Stat = (typeof STATS)[number];

export type LatencySummary = { count: number } & Record<Stat, number>;

const HIGHEST_MICROS = 10 * 60 * 1_000_000;

function newHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
  });
}

const PERCENTILES: Record<Exclude<Stat, 'max' | 'mean'>, number> = {
  p50: 50,
  p90: 90,
  p95: 95,
  p99: 99,
  p999: 99.9,
};

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;

/** The counters that the timeline shows per interval. */
export const TIMELINE_COUNTERS = [
  'sessions_opened',
  'runs_completed',
  'runs_failed',
  'events_received',
] as const;
type TimelineCounter = (typeof TIMELINE_COUNTERS)[number];

/** One interval of the run: what happened in it, and its latencies. */
export interface TimelinePoint {
  /** End of the interval, ms since the run started. */
  t_ms: number;
  open_sessions: number;
  counts: Record<TimelineCounter, number>;
  latency_ms: Partial<Record<LatencyMetric, { count: number; p50: number; p99: number; max: number }>>;
}

export class LoadMetrics {
  private readonly histograms = new Map<LatencyMetric, hdr.Histogram>(
    LATENCY_METRICS.map((name) => [name, newHistogram()]),
  );
  readonly counters: Record<Counter, number> = Object.fromEntries(
    COUNTERS.map((name) => [name, 0]),
  ) as Record<Counter, number>;
  /** First few reasons per kind of failure, so a failing run says why without a flood. */
  readonly failures = new Map<string, number>();
  /** The same latencies since the last `tick`, for the timeline. */
  private readonly recent = new Map<LatencyMetric, hdr.Histogram>(
    LATENCY_METRICS.map((name) => [name, newHistogram()]),
  );
  private readonly countedAtTick = Object.fromEntries(TIMELINE_COUNTERS.map((name) => [name, 0])) as Record<
    TimelineCounter,
    number
  >;
  readonly timeline: TimelinePoint[] = [];
  /** Sessions between `ready` and their close, and the most there were at once. */
  openSessions = 0;
  peakOpenSessions = 0;

  /** The same histograms by metric name, looked up once: recordMs runs for every event. */
  private readonly recording = Object.fromEntries(
    LATENCY_METRICS.map((name) => [name, [this.histograms.get(name)!, this.recent.get(name)!]]),
  ) as Record<LatencyMetric, [hdr.Histogram, hdr.Histogram]>;

  recordMs(metric: LatencyMetric, ms: number): void {
    const micros = Math.min(HIGHEST_MICROS, Math.max(1, Math.round(ms * 1000)));
    const histograms = this.recording[metric];
    histograms[0].recordValue(micros);
    histograms[1].recordValue(micros);
  }

  sessionOpened(): void {
    this.openSessions++;
    if (this.openSessions > this.peakOpenSessions) this.peakOpenSessions = this.openSessions;
  }

  sessionClosed(): void {
    this.openSessions--;
  }

  /** Closes the current interval of the timeline at `elapsedMs`. */
  tick(elapsedMs: number): void {
    const counts = {} as Record<TimelineCounter, number>;
    for (const name of TIMELINE_COUNTERS) {
      counts[name] = this.counters[name] - this.countedAtTick[name];
      this.countedAtTick[name] = this.counters[name];
    }
    const latency: TimelinePoint['latency_ms'] = {};
    for (const [name, histogram] of this.recent) {
      if (!histogram.totalCount) continue;
      latency[name] = {
        count: histogram.totalCount,
        p50: round3(histogram.getValueAtPercentile(50) / 1000),
        p99: round3(histogram.getValueAtPercentile(99) / 1000),
        max: round3(histogram.getValueAtPercentile(100) / 1000),
      };
      histogram.reset();
    }
    this.timeline.push({
      t_ms: Math.round(elapsedMs),
      open_sessions: this.openSessions,
      counts,
      latency_ms: latency,
    });
  }

  count(counter: Counter, by = 1): void {
    this.counters[counter] += by;
  }

  fail(counter: Counter, reason: string): void {
    this.count(counter);
    const key = `${counter}: ${reason}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }

  summary(metric: LatencyMetric): LatencySummary {
    const histogram = this.histograms.get(metric)!;
    const count = histogram.totalCount;
    const at = (percentile: number) =>
      count ? round3(histogram.getValueAtPercentile(percentile) / 1000) : 0;
    return {
      count,
      p50: at(PERCENTILES.p50),
      p90: at(PERCENTILES.p90),
      p95: at(PERCENTILES.p95),
      p99: at(PERCENTILES.p99),
      p999: at(PERCENTILES.p999),
      // The bucket's highest value, like the percentiles, so a merged report says the same.
      max: at(100),
      mean: count ? round3(histogram.mean / 1000) : 0,
    };
  }

  /** The histograms in HdrHistogram's compressed base64 form, for shard files. */
  encode(): Record<LatencyMetric, string> {
    return Object.fromEntries(
      LATENCY_METRICS.map((name) => [name, hdr.encodeIntoCompressedBase64(this.histograms.get(name)!)]),
    ) as Record<LatencyMetric, string>;
  }

  /** Adds another run's histograms and counters to these (a metric it lacks adds nothing). */
  add(
    encoded: Partial<Record<LatencyMetric, string>>,
    counters: Record<Counter, number>,
    failures: Record<string, number>,
  ) {
    for (const name of LATENCY_METRICS) {
      if (!encoded[name]) continue;
      const other = hdr.decodeFromCompressedBase64(encoded[name]);
      this.histograms.get(name)!.add(other);
      other.destroy();
    }
    for (const name of COUNTERS) this.counters[name] += counters[name] ?? 0;
    for (const [reason, count] of Object.entries(failures))
      this.failures.set(reason, (this.failures.get(reason) ?? 0) + count);
  }
}
