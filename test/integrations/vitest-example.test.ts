/**
 * examples/vitest run by the real Vitest: the globalSetup resolves the backend once and
 * provides it; `conformance({ checks: 'R-5.*' })` shows each check as a Vitest test, and a
 * backend with a deliberate bug fails the run with the check's evidence.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AEP_CHECKS, selectChecks } from '../../src/checks/index.js';
import { JWT_SHAPE, linkAgentwire, RUNNER_TEST_TIMEOUT_MS, runRunner, stopRunners } from './run-example.js';

// The example selects R-5.*; the registry says how many checks that is today.
const R5 = selectChecks(AEP_CHECKS, 'R-5.*').length;
// seq-gap breaks: every check fails, and only those.
const R51 = selectChecks(AEP_CHECKS, 'R-5.1/*').length;
let dir: string;
beforeAll(async () => {
  dir = await linkAgentwire('vitest');
});
afterAll(stopRunners);

describe('agentwire/vitest in examples/vitest', { timeout: RUNNER_TEST_TIMEOUT_MS }, () => {
  test('a healthy backend: every check and test passes, after one printed environment resolution', async () => {
    const { code, output } = await runRunner(dir, 'vitest', ['run', '--reporter=verbose']);
    expect(code, output).toBe(0);
    expect(output.match(/using reference backend in-process/g)).toHaveLength(1);
    expect(output).toMatch(/agentwire env .* policy {5}tier order: docker, local, staging/);
    expect(output).toMatch(/✓ .*R-5\.1\/seq-starts-at-1/);
    expect(output).toMatch(/✓ .*R-5\.8\/inflight-limit/);
    expect(output).toMatch(/✓ .*a user sends a message and the agent answers it, in order/);
    expect(output).toContain(`Tests  ${R5 + 2} passed (${R5 + 2})`);
  });

  test('a backend whose seq skips a number: the R-5.1 tests fail with the evidence, exit 1', async () => {
    const { code, output } = await runRunner(dir, 'vitest', ['run', 'test/conformance.test.ts'], {
      env: { AGENTWIRE_EXAMPLE_FAULTS: 'seq-gap' },
    });
    expect(code, output).toBe(1);
    expect(output).toMatch(/FAIL .*R-5\.1\/seq-starts-at-1/);
    expect(output).toContain('R-5.1/seq-starts-at-1 failed (R-5.1)');
    expect(output).toContain('expected seq 3, got 4 (gap)');
    expect(output).toMatch(/← tool_completed seq=4 run=r_/);
    expect(output).toContain(`Tests  ${R51} failed | ${R5 - R51} passed (${R5})`);
    expect(output).not.toMatch(JWT_SHAPE);
  });
});
