/**
 * The workload models of `agentwire load` on a real server: think time between runs, and the
 * open model counting latencies from the intended times, so a generator that falls behind its
 * schedule shows in the numbers (coordinated omission) where the closed model does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/client/index.js';
import { type LoadPlan, runLoad } from '../../src/load/index.js';
import { serve } from '../support/cli.js';

const SECRET = 'load-model-secret-0123456789abcdef';
let url = '';
let stopServer: () => Promise<unknown> = async () => {};
beforeAll(async () => {
  const backend = await serve(['--port', '0', '--log-level', 'error'], { AGENTWIRE_JWT_SECRET: SECRET });
  url = backend.wsUrl;
  stopServer = backend.stop;
});
afterAll(() => stopServer());

function plan(overrides: Partial<LoadPlan>): LoadPlan {
  return {
    urls: [url],
    localAddresses: [],
    sessions: 20,
    shard: { index: 1, count: 1 },
    rampMs: 1000,
    runsPerSession: 1,
    thinkMs: 0,
    thinkJitterMs: 0,
    holdMs: 0,
    scenario: { tools: 0, stream_chunks: 1, delay_ms: 0 },
    text: 'hello',
    handshakeTimeoutMs: 20_000,
    runTimeoutMs: 20_000,
    runTag: `model${Date.now()}`,
    warmupSessions: 0,
    ...overrides,
  };
}

const token = (user: string) => mintToken(SECRET, { sub: user, expiresInS: 600 });

/** An onProgress hook that blocks this process's event loop once, for `ms`, after `afterMs`. */
function stallOnce(afterMs: number, ms: number) {
  let stalled = false;
  return ({ elapsedMs }: { elapsedMs: number }) => {
    if (stalled || elapsedMs < afterMs) return;
    stalled = true;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // The generator is busy: users due now start late.
    }
  };
}

describe('load workload models', () => {
  it('thinks between runs: a session of 3 runs with 400±100 ms think time lasts at least 600 ms longer', async () => {
    const started = performance.now();
    const outcome = await runLoad(
      plan({ sessions: 3, rampMs: 0, runsPerSession: 3, thinkMs: 400, thinkJitterMs: 100 }),
      { token },
    );
    const elapsed = performance.now() - started;
    expect(outcome.metrics.counters.runs_completed).toBe(9);
    // Two think times of at least 300 ms each per session.
    expect(elapsed).toBeGreaterThanOrEqual(600);
  }, 60_000);

  it('open model: a stalled generator shows in handshake_ready (from the intended time); closed model: only in schedule_lag', async () => {
    // The event loop blocked for 2.5 s from about 0.5 s in: most users start late.
    const stall = 2500;
    const open = await runLoad(plan({ sessions: 36, arrival: { ratePerS: 12, durationMs: 3000 } }), {
      token,
      onProgress: stallOnce(300, stall),
    });
    expect(open.metrics.counters.sessions_opened).toBe(36);
    const openLag = open.metrics.summary('schedule_lag');
    const openHandshake = open.metrics.summary('handshake_ready');
    expect(openLag.max).toBeGreaterThanOrEqual(stall * 0.8);
    // Each handshake counts from when the user was due, so it includes that user's lateness.
    expect(openHandshake.mean).toBeGreaterThanOrEqual(openLag.mean);
    expect(openHandshake.max).toBeGreaterThanOrEqual(stall * 0.8);

    const closed = await runLoad(plan({ sessions: 36, rampMs: 3000 }), {
      token,
      onProgress: stallOnce(300, stall),
    });
    expect(closed.metrics.counters.sessions_opened).toBe(36);
    const closedLag = closed.metrics.summary('schedule_lag');
    const closedHandshake = closed.metrics.summary('handshake_ready');
    expect(closedLag.max).toBeGreaterThanOrEqual(stall * 0.8);
    // Counted from the actual connect, the generator's lateness is not in the handshakes.
    expect(closedHandshake.mean).toBeLessThan(closedLag.mean);
  }, 90_000);
});
