/**
 * The library under `conformance()`: one runSuite whose results each test waits for, against a
 * real reference backend; a backend that cannot be checked fails the start, never a green skip.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { conformancePlan, startConformance } from '../../src/integrations/conformance.js';
import type { AepEnvironment } from '../../src/integrations/environment.js';
import { PROFILES } from '../../src/runner/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { freePort } from '../../src/tiers/free-port.js';

const SECRET = 'conformance-run-test-secret-0123456789';
let server: RunningServer;

function environmentOf(wsUrl: string, httpUrl: string): AepEnvironment {
  return {
    wsUrl,
    httpUrl,
    jwtSecret: SECRET,
    mode: 'external',
    tier: 'local',
    source: 'test',
    profile: PROFILES.local,
    decisions: [],
  };
}

beforeAll(async () => {
  server = await startServer({ jwtSecret: SECRET, port: 0, logLevel: 'silent' });
});
afterAll(() => server?.close());

describe('startConformance', { timeout: 60_000 }, () => {
  test('every selected check gets its result from one run, in any order asked', async () => {
    const plan = conformancePlan({ checks: 'R-5.1/*', seed: 7 });
    expect(plan.checks.length).toBeGreaterThan(1);
    const run = startConformance(environmentOf(server.wsUrl, server.httpUrl), plan);
    await run.started;
    const ids = plan.checks.map((check) => check.id).reverse();
    const results = await Promise.all(ids.map((id) => run.result(id)));
    expect(results.map((result) => [result.id, result.status])).toEqual(ids.map((id) => [id, 'passed']));
    await run.stop();
    expect(() => run.result('R-9.9/none')).toThrow('is not one of the selected checks');
  });

  test('a backend nobody listens on: start rejects with the problem', async () => {
    const port = await freePort();
    const plan = conformancePlan({ checks: 'R-5.1/*' });
    const run = startConformance(
      environmentOf(`ws://127.0.0.1:${port}/ws`, `http://127.0.0.1:${port}`),
      plan,
    );
    await expect(run.started).rejects.toThrow(/agentwire conformance: .*127\.0\.0\.1/);
    const result = await run.result(plan.checks[0]!.id);
    expect(result.status).toBe('skipped');
    await run.stop();
  });

  test('a glob that selects nothing is an error naming the way to list checks', () => {
    expect(() => conformancePlan({ checks: 'R-99.*' })).toThrow('agentwire run --list');
  });
});
