import { describe, expect, it } from 'vitest';
import { LoadMetrics } from './metrics.js';

/** The exact percentile of a sorted sample, the way HdrHistogram defines it (nearest rank). */
function exactPercentile(sorted: number[], percentile: number): number {
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function samples(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    // Long-tailed, like latencies: mostly a few ms, some hundreds.
    const u = state / 2 ** 31;
    return Math.round((0.5 + 2 / (1 - u * 0.995)) * 1000) / 1000;
  });
}

describe('LoadMetrics', () => {
  it('reports percentiles within HdrHistogram’s 3 significant digits of the exact ones', () => {
    const values = samples(20_000, 7);
    const metrics = new LoadMetrics();
    for (const value of values) metrics.recordMs('ack', value);
    const sorted = [...values].sort((a, b) => a - b);
    const summary = metrics.summary('ack');
    expect(summary.count).toBe(values.length);
    for (const [stat, percentile] of [
      ['p50', 50],
      ['p90', 90],
      ['p99', 99],
      ['p999', 99.9],
    ] as const) {
      const exact = exactPercentile(sorted, percentile);
      expect(Math.abs(summary[stat] - exact) / exact, stat).toBeLessThan(0.002);
    }
    expect(Math.abs(summary.max - sorted.at(-1)!) / sorted.at(-1)!).toBeLessThan(0.002);
    expect(summary.max).toBeGreaterThanOrEqual(summary.p999);
  });

  it('merging shards adds the histograms: the same percentiles as one run of every sample', () => {
    const values = samples(9_000, 11);
    const whole = new LoadMetrics();
    const shards = [new LoadMetrics(), new LoadMetrics(), new LoadMetrics()];
    values.forEach((value, index) => {
      whole.recordMs('delivery', value);
      shards[index % 3]!.recordMs('delivery', value);
    });
    // Shards see different slices: averaging their p99s would be wrong, adding histograms is not.
    shards[0]!.recordMs('delivery', 900);
    whole.recordMs('delivery', 900);
    shards[1]!.count('runs_failed', 2);
    shards[2]!.fail('runs_failed', 'timeout');
    const merged = new LoadMetrics();
    for (const shard of shards)
      merged.add(shard.encode(), shard.counters, Object.fromEntries(shard.failures));
    expect(merged.summary('delivery')).toEqual(whole.summary('delivery'));
    expect(merged.counters.runs_failed).toBe(3);
    expect(Object.fromEntries(merged.failures)).toEqual({ 'runs_failed: timeout': 1 });
  });

  it('an empty metric reports zeros with a zero count, never NaN', () => {
    expect(new LoadMetrics().summary('run')).toEqual({
      count: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      p999: 0,
      max: 0,
      mean: 0,
    });
  });
});
