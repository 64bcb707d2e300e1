/**
 * examples/playwright run by the real Playwright with the system's Chromium: a static chat
 * page talks AEP/1 to the backend the `aepEnvironment` fixture resolved.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JWT_SHAPE, linkAgentwire, RUNNER_TEST_TIMEOUT_MS, runRunner, stopRunners } from './run-example.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let dir: string;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it (Debian: apt-get install chromium, or run npm test's pretest) or set CHROMIUM_PATH`,
    );
  dir = await linkAgentwire('playwright');
});
afterAll(stopRunners);

describe('agentwire/playwright in examples/playwright', { timeout: RUNNER_TEST_TIMEOUT_MS }, () => {
  test('a healthy backend: the chat page shows the whole answer, both tests pass', async () => {
    const { code, output } = await runRunner(dir, 'playwright', ['test']);
    expect(code, output).toBe(0);
    expect(output.match(/using reference backend in-process/g)).toHaveLength(1);
    expect(output).toMatch(/✓ .*alice asks and sees the whole answer, with no event missed/);
    expect(output).toMatch(/✓ .*the same conversation continues in its thread/);
    expect(output).toMatch(/2 passed/);
  });

  test('a backend whose seq skips a number: the page reports missed events and the test fails, exit 1', async () => {
    const { code, output } = await runRunner(dir, 'playwright', ['test', '-g', 'alice'], {
      env: { AGENTWIRE_EXAMPLE_FAULTS: 'seq-gap' },
    });
    expect(code, output).toBe(1);
    expect(output).toMatch(/✘ .*alice asks and sees the whole answer/);
    expect(output).toContain('Received: "missed events: expected seq 3, got 4"');
    expect(output).toMatch(/1 failed/);
    expect(output).not.toMatch(JWT_SHAPE);
  });
});
