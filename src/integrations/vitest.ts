/**
 * `agentwire/vitest`: the environment resolved once in Vitest's globalSetup and provided to
 * every test file (`inject('agentwire')`, typed), and conformance checks as Vitest tests.
 *
 *   // agentwire.setup.ts, listed in vitest.config.ts as test.globalSetup
 *   import { agentwireGlobalSetup } from 'agentwire/vitest';
 *   export default agentwireGlobalSetup();
 *
 *   // conformance.test.ts
 *   import { conformance } from 'agentwire/vitest';
 *   conformance({ checks: 'R-5.*' });
 */
import { afterAll, beforeAll, describe, inject, test } from 'vitest';
import type { TestProject } from 'vitest/node';
import {
  type ConformanceRun,
  type ConformanceSelection,
  type ConformanceSettings,
  conformancePlan,
  failureMessage,
  startConformance,
} from './conformance.js';
import {
  type AepEnvironment,
  type AepEnvironmentOptions,
  type AepSession,
  sessionFor,
  startAepEnvironment,
} from './environment.js';

export type { AepEnvironment, AepEnvironmentOptions, AepSession } from './environment.js';
export { AepEnvironmentError } from './environment.js';

/** The key the environment is provided under. */
export const PROVIDE_KEY = 'agentwire';

declare module 'vitest' {
  interface ProvidedContext {
    agentwire: AepEnvironment;
  }
}

/**
 * A Vitest globalSetup function: resolves the environment (printing the decision log), provides
 * it to the tests, and returns the teardown that stops what was started. Ctrl+C and SIGTERM stop
 * it too (the tiers' teardown watches the process).
 */
export function agentwireGlobalSetup(options: AepEnvironmentOptions = {}) {
  return async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
    const started = await startAepEnvironment(options);
    const { environment } = started;
    process.stderr.write(
      `agentwire: backend ${environment.wsUrl} from the ${environment.tier} tier (${environment.source})\n`,
    );
    project.provide(PROVIDE_KEY, environment);
    return () => started.release();
  };
}

/** The environment the globalSetup provided; a clear error when it is not configured. */
export function aepEnvironment(): AepEnvironment {
  const environment = inject(PROVIDE_KEY);
  if (!environment)
    throw new Error(
      'agentwire/vitest: no environment was provided: add a globalSetup file exporting `agentwireGlobalSetup()` to test.globalSetup in vitest.config (see docs/api.md)',
    );
  return environment;
}

/** A token for `user` (a new user id when omitted) and the browser subprotocols. */
export function aepSession(user?: string): Promise<AepSession> {
  return sessionFor(aepEnvironment(), user);
}

export interface VitestConformanceOptions extends ConformanceSelection, ConformanceSettings {
  /** How an unsupported check shows: skipped with its reason (default), or as a failure. */
  unsupported?: 'skip' | 'fail';
}

/**
 * One Vitest test per selected check, in a `describe` block. The suite library runs the checks
 * (one `runSuite`, started before the block's first test; the preflight has passed when its
 * tests begin) and each test waits for its check's result: a failed check fails its test with
 * the reason and the evidence frames; an unsupported one is skipped with its reason (never
 * passed, R-3.2). A target that cannot be checked at all fails the block.
 */
export function conformance(options: VitestConformanceOptions = {}): void {
  const plan = conformancePlan(options);
  const environment = aepEnvironment();
  const profile = options.profile ?? environment.profile;
  // A test waits for its own check only: the checks before it have finished by then.
  const timeout = profile.checkTimeoutMs * (profile.retries + 1) + 10_000;
  const secrets = environment.jwtSecret ? [environment.jwtSecret] : [];
  describe(`agentwire conformance ${options.checks ?? '(all checks)'}`, () => {
    let run: ConformanceRun | undefined;
    beforeAll(async () => {
      run = startConformance(environment, plan);
      await run.started;
    }, timeout);
    afterAll(() => run?.stop(), timeout);
    for (const check of plan.checks) {
      test(`${check.id} ${check.title}`, { timeout }, async (context) => {
        const result = await run!.result(check.id);
        if (result.status === 'failed') {
          const error = new Error(failureMessage(result, plan.seed, secrets));
          error.name = 'ConformanceFailure';
          error.stack = `${error.name}: ${error.message}`;
          throw error;
        }
        if (result.status === 'unsupported' || result.status === 'skipped') {
          const reason = `${result.status}: ${result.reason ?? 'no reason given'}`;
          if (options.unsupported === 'fail') throw new Error(`${check.id} ${reason}`);
          context.skip(reason);
        }
      });
    }
  });
}
