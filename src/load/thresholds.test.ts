import { describe, expect, it } from 'vitest';
import { LATENCY_METRICS, LoadMetrics } from './metrics.js';
import { evaluateThresholds, parseThreshold, ThresholdError, thresholdsOf } from './thresholds.js';

function measured(rss?: number) {
  const metrics = new LoadMetrics();
  for (let ms = 1; ms <= 100; ms++) metrics.recordMs('handshake_ready', ms);
  metrics.count('runs_failed', 2);
  return {
    latency: Object.fromEntries(LATENCY_METRICS.map((name) => [name, metrics.summary(name)])) as never,
    counters: metrics.counters,
    ...(rss === undefined ? {} : { server_rss_mb: rss }),
  };
}

describe('thresholds', () => {
  it('parses latency, counter and gauge rules', () => {
    expect(parseThreshold('handshake_ready.p99 < 50')).toMatchObject({
      key: 'handshake_ready.p99',
      operator: '<',
      limit: 50,
      expression: 'handshake_ready.p99<50',
    });
    expect(parseThreshold('runs_failed==0')).toMatchObject({ key: 'runs_failed', operator: '==', limit: 0 });
    expect(parseThreshold('server_rss_mb<=1024.5')).toMatchObject({ operator: '<=', limit: 1024.5 });
  });

  it('refuses bad rules, naming the problem and what is allowed', () => {
    expect(() => parseThreshold('latency.p99<50')).toThrow(
      /unknown metric "latency"; latencies: handshake_ready/,
    );
    expect(() => parseThreshold('p99<50')).toThrow(/is not metric.stat<number/);
    expect(() => parseThreshold('ack<5')).toThrow(/latency ack needs a statistic, one of p50, p90/);
    expect(() => parseThreshold('ack.p98<5')).toThrow(ThresholdError);
    expect(() => parseThreshold('runs_failed.p99==0')).toThrow(/single number; drop ".p99"/);
    expect(() => parseThreshold('ack.p99 ~ 5')).toThrow(/is not metric.stat<number/);
  });

  it('given rules replace the default of the same key; the defaults can be dropped', () => {
    const rules = thresholdsOf(['handshake_ready.p99<200', 'ack.p50<5'], true);
    expect(rules.find((rule) => rule.key === 'handshake_ready.p99')).toMatchObject({
      limit: 200,
      source: 'given',
    });
    expect(rules.filter((rule) => rule.key === 'handshake_ready.p99')).toHaveLength(1);
    expect(rules.map((rule) => rule.key)).toContain('runs_failed');
    expect(thresholdsOf(['ack.p50<5'], false).map((rule) => rule.key)).toEqual(['ack.p50']);
  });

  it('evaluates against what was measured; an unmeasured default passes as not measured, a given one fails', () => {
    const results = evaluateThresholds(
      thresholdsOf(['handshake_ready.p99<50', 'delivery.p99<10'], true).concat(
        thresholdsOf(['handshake_ready.max<=100.1'], false),
      ),
      measured(),
    );
    const byExpression = Object.fromEntries(results.map((result) => [result.expression, result]));
    expect(byExpression['handshake_ready.p99<50']).toMatchObject({ passed: false });
    expect(byExpression['handshake_ready.p99<50']!.actual).toBeCloseTo(99, 0);
    expect(byExpression['handshake_ready.max<=100.1']).toMatchObject({ passed: true });
    expect(byExpression['runs_failed==0']).toMatchObject({ passed: false, actual: 2 });
    expect(byExpression['delivery.p99<10']).toMatchObject({ passed: false, actual: undefined });
    expect(byExpression['server_rss_mb<1024']).toMatchObject({
      passed: true,
      actual: undefined,
      source: 'default',
    });
    const withRss = evaluateThresholds(thresholdsOf([], true), measured(2048));
    expect(withRss.find((result) => result.key === 'server_rss_mb')).toMatchObject({
      passed: false,
      actual: 2048,
    });
  });
});
