/** examples/jest run by the real Jest: globalSetup/globalTeardown from agentwire/jest. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  JWT_SHAPE,
  linkAgentwire,
  ROOT,
  RUNNER_TEST_TIMEOUT_MS,
  runRunner,
  stopRunners,
} from './run-example.js';

const JEST = `${ROOT}/node_modules/jest/bin/jest.js`;
let dir: string;
beforeAll(async () => {
  dir = await linkAgentwire('jest');
});
afterAll(stopRunners);

describe('agentwire/jest in examples/jest', { timeout: RUNNER_TEST_TIMEOUT_MS }, () => {
  test('a healthy backend: the tests pass', async () => {
    const { code, output } = await runRunner(dir, 'node', ['--experimental-vm-modules', JEST]);
    expect(code, output).toBe(0);
    expect(output).toContain('using reference backend in-process');
    expect(output).toMatch(/✓ a run ends with exactly one agent_completed/);
    expect(output).toMatch(/Tests: +2 passed, 2 total/);
  });

  test('a backend that completes every run twice: the test fails, exit 1', async () => {
    const { code, output } = await runRunner(dir, 'node', ['--experimental-vm-modules', JEST], {
      env: { AGENTWIRE_EXAMPLE_FAULTS: 'dup-completed' },
    });
    expect(code, output).toBe(1);
    expect(output).toMatch(/✕ a run ends with exactly one agent_completed/);
    expect(output).toMatch(/Expected length: 1\s+Received length: 2/);
    expect(output).toMatch(/Tests: +1 failed, 1 passed, 2 total/);
    expect(output).not.toMatch(JWT_SHAPE);
  });
});
