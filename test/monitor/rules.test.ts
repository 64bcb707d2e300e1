/** The monitor's alert rules and flag parsing, on hand-made runs: each rule fires when it should and only then. */
import { describe, expect, it } from 'vitest';
import {
  alertsFor,
  type CheckRecord,
  formatInterval,
  MonitorOptionError,
  medianOf,
  parseFactor,
  parseInterval,
  parseWebhookUrl,
  type RunRecord,
} from '../../src/monitor/index.js';

let nextId = 1;
function run(checks: CheckRecord[]): RunRecord {
  const executed = checks.filter((check) => check.status === 'passed' || check.status === 'failed');
  return {
    id: nextId++,
    startedAt: new Date(nextId * 60_000).toISOString(),
    durationMs: 100,
    verdict: checks.some((check) => check.status === 'failed') ? 'FAILED' : 'PASSED',
    summary: {
      total: checks.length,
      executed: executed.length,
      passed: checks.filter((check) => check.status === 'passed').length,
      failed: checks.filter((check) => check.status === 'failed').length,
      skipped: checks.filter((check) => check.status === 'skipped').length,
      unsupported: checks.filter((check) => check.status === 'unsupported').length,
    },
    checks,
  };
}
const passed = (id: string, durationMs = 20): CheckRecord => ({ id, status: 'passed', durationMs });
const failed = (id: string, reason = 'accepted'): CheckRecord => ({
  id,
  status: 'failed',
  durationMs: 20,
  reason,
});
const skipped = (id: string): CheckRecord => ({ id, status: 'skipped', durationMs: 0, reason: 'not run' });
const THRESHOLDS = { factor: 2, minMs: 250, window: 5 };

describe('alert rules', () => {
  it('pass → fail names the check, the run it passed in and the reason; fail → fail and skipped → fail do not alert', () => {
    const first = run([passed('a'), failed('b'), skipped('c')]);
    const alerts = alertsFor(
      run([failed('a', 'expired token let in'), failed('b'), failed('c')]),
      [first],
      THRESHOLDS,
    );
    expect(alerts).toEqual([
      {
        kind: 'pass_to_fail',
        check: 'a',
        previous_run: first.id,
        reason: 'expired token let in',
        message: `a passed in run ${first.id} and fails now: expired token let in`,
      },
    ]);
  });

  it('compares with the previous run only, and a first run raises nothing', () => {
    const older = run([passed('a')]);
    const previous = run([failed('a')]);
    expect(alertsFor(run([failed('a')]), [older, previous], THRESHOLDS)).toEqual([]);
    expect(alertsFor(run([failed('a')]), [], THRESHOLDS)).toEqual([]);
  });

  it('executed drop: fewer checks passed or failed than in the previous run', () => {
    const previous = run([passed('a'), passed('b'), failed('c')]);
    const alerts = alertsFor(run([passed('a'), skipped('b'), skipped('c')]), [previous], THRESHOLDS);
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'executed_drop',
        previous_executed: 3,
        executed: 1,
        previous_run: previous.id,
      }),
    ]);
    expect(alertsFor(run([passed('a'), passed('b'), passed('c')]), [previous], THRESHOLDS)).toEqual([]);
  });

  it('duration regression: above factor × median and min ms more, over the last window runs, passing runs only', () => {
    const history = [run([passed('slow', 400)]), run([passed('slow', 420)]), run([passed('slow', 380)])];
    const alert = alertsFor(run([passed('slow', 900)]), history, THRESHOLDS);
    expect(alert).toEqual([
      expect.objectContaining({
        kind: 'duration_regression',
        check: 'slow',
        duration_ms: 900,
        median_ms: 400,
        runs: 3,
      }),
    ]);
    expect(alert[0]!.message).toContain('2.3× its median of 400 ms');
    // At the factor, not above it: no alert.
    expect(alertsFor(run([passed('slow', 800)]), history, THRESHOLDS)).toEqual([]);
    // Twice as slow but only 30 ms more: below --duration-min-ms.
    const tiny = [run([passed('t', 10)]), run([passed('t', 12)]), run([passed('t', 10)])];
    expect(alertsFor(run([passed('t', 40)]), tiny, THRESHOLDS)).toEqual([]);
    expect(alertsFor(run([passed('t', 40)]), tiny, { ...THRESHOLDS, minMs: 20 })).toHaveLength(1);
    // Too few earlier passing runs for a median: two, one of them failed.
    expect(
      alertsFor(run([passed('slow', 5000)]), [run([passed('slow', 400)]), run([failed('slow')])], THRESHOLDS),
    ).toEqual([]);
    // The window: only the last 2 runs (slow ones) count, so 900 is no regression against them.
    const drifting = [
      run([passed('d', 100)]),
      run([passed('d', 100)]),
      run([passed('d', 100)]),
      run([passed('d', 600)]),
      run([passed('d', 600)]),
    ];
    expect(alertsFor(run([passed('d', 900)]), drifting, { ...THRESHOLDS, window: 2 })).toEqual([]);
    expect(alertsFor(run([passed('d', 900)]), drifting, { ...THRESHOLDS, window: 5 })).toHaveLength(1);
    // A failing check is judged by pass → fail, not by its duration.
    expect(
      alertsFor(
        run([{ id: 'slow', status: 'failed', durationMs: 15_000, reason: 'timeout' }]),
        history,
        THRESHOLDS,
      ),
    ).toEqual([expect.objectContaining({ kind: 'pass_to_fail', check: 'slow' })]);
  });

  it('medianOf: middle value, mean of the two middle ones', () => {
    expect(medianOf([5, 1, 3])).toBe(3);
    expect(medianOf([4, 1, 3, 2])).toBe(3);
  });
});

describe('monitor flag values', () => {
  it('--every takes ms, s, m and h from 1s to 24h', () => {
    expect(parseInterval('30s')).toBe(30_000);
    expect(parseInterval('5m')).toBe(300_000);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('1500ms')).toBe(1500);
    expect(parseInterval('1.5m')).toBe(90_000);
    expect(formatInterval(90_000)).toBe('1m30s');
    expect(formatInterval(1500)).toBe('1s500ms');
    for (const bad of ['5', '5x', 'm', '-1s', '', '1 d', '1e3s'])
      expect(() => parseInterval(bad), bad).toThrow(
        /--every takes a number with a unit \(ms, s, m or h\), e\.g\. 30s/,
      );
    expect(() => parseInterval('500ms')).toThrow('--every must be from 1s to 24h, got "500ms"');
    expect(() => parseInterval('25h')).toThrow(MonitorOptionError);
  });

  it('--duration-regression takes a factor above 1', () => {
    expect(parseFactor('2x')).toBe(2);
    expect(parseFactor('1.5X')).toBe(1.5);
    expect(parseFactor('3')).toBe(3);
    for (const bad of ['1x', '0.5x', 'x', 'fast', '-2x'])
      expect(() => parseFactor(bad), bad).toThrow(/a factor above 1/);
  });

  it('--webhook: credentials move to a header and only the origin is shown', () => {
    const webhook = parseWebhookUrl(
      'https://bot:s3cr3t-pass@hooks.example.com/services/T0/B0/path-secret?token=query-secret',
    );
    expect(webhook.shown).toBe('https://hooks.example.com');
    expect(webhook.url).toBe('https://hooks.example.com/services/T0/B0/path-secret?token=query-secret');
    expect(Buffer.from(webhook.headers.authorization!.replace('Basic ', ''), 'base64').toString()).toBe(
      'bot:s3cr3t-pass',
    );
    expect(webhook.secrets).toEqual(expect.arrayContaining(['s3cr3t-pass', 'token=query-secret']));
    expect(() => parseWebhookUrl('ftp://example.com/x')).toThrow(
      '--webhook must be an http:// or https:// URL',
    );
    expect(() => parseWebhookUrl('not a url')).toThrow('--webhook is not a URL');
  });
});
