/**
 * The conformance suite as the killer of `npm run mutation`: every AEP/1 and AG-UI check is a
 * test of its own, run against a fresh embedded reference backend started exactly as
 * `agentwire run` starts it (same allowed Origin, a drainable pair for the drain checks). Stryker's
 * per-test coverage then runs only the checks that reach a mutant. The server's own unit tests
 * play no part: the score measures what the suite catches.
 *
 * Run only through `npm run mutation` (vitest.mutation.config.ts); the main test run already
 * runs the whole suite against the reference backend.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AEP_CHECKS, AG_UI_CHECKS, type Check, type TargetInfo } from '../../src/checks/index.js';
import { newSecret } from '../../src/client/index.js';
import { AG_UI_PATH, DEFAULT_LIMITS, type ReadyFrame } from '../../src/protocol/index.js';
import {
  type CheckResult,
  createTokenFactory,
  PROFILES,
  preflight,
  runChecks,
} from '../../src/runner/index.js';
import {
  type RunningServer,
  type ServerOptions,
  startDrainablePair,
  startServer,
} from '../../src/server/index.js';

/** The fuzzer's seed: fixed, so a mutant meets the same frames as the clean backend did. */
const MUTATION_SEED = 1;
/** The Origin `agentwire run` lets its embedded backend accept (suite/target.ts). */
const ALLOWED_ORIGIN = 'http://localhost:3000';
/** A teardown that hangs (a mutant in close()) must not decide the verdict: only checks do. */
const TEARDOWN_LIMIT_MS = 7000;

const options: ServerOptions = {
  jwtSecret: newSecret(),
  logLevel: 'silent',
  allowedOrigins: [ALLOWED_ORIGIN],
};
const tokens = createTokenFactory(options.jwtSecret);

let server: RunningServer | undefined;

beforeEach(async () => {
  server = await startServer({ ...options, port: 0 });
});

afterEach(async () => {
  const closing = server?.close().catch(() => {});
  server = undefined;
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, TEARDOWN_LIMIT_MS))]);
});

async function runOne(check: Check, target: TargetInfo): Promise<CheckResult> {
  const [result] = await runChecks([check], {
    target,
    tokens,
    profile: PROFILES.local,
    seed: MUTATION_SEED,
    disposableTarget: () => startDrainablePair(options),
  });
  return result!;
}

function verdict(result: CheckResult): string {
  return `${result.id}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`;
}

describe('AEP/1', () => {
  for (const check of AEP_CHECKS) {
    it(check.id, { timeout: (check.timeoutMs ?? PROFILES.local.checkTimeoutMs) + 10_000 }, async () => {
      const running = server!;
      const target = await preflight(
        { wsUrl: running.wsUrl, httpUrl: running.httpUrl, allowedOrigin: ALLOWED_ORIGIN },
        tokens,
      );
      const result = await runOne(check, target);
      expect(result.status, verdict(result)).toBe('passed');
    });
  }
});

describe('AG-UI', () => {
  for (const check of AG_UI_CHECKS) {
    it(check.id, { timeout: (check.timeoutMs ?? PROFILES.local.checkTimeoutMs) + 10_000 }, async () => {
      const running = server!;
      const url = `${running.httpUrl}${AG_UI_PATH}`;
      const target: TargetInfo = {
        wsUrl: url,
        httpUrl: running.httpUrl,
        ready: {} as ReadyFrame,
        capabilities: new Set(),
        limits: DEFAULT_LIMITS,
        agUi: { url, withToken: true },
      };
      const result = await runOne(check, target);
      expect(result.status, verdict(result)).toBe('passed');
    });
  }
});
