/**
 * `agentwire/jest`: Jest's globalSetup and globalTeardown for an AEP/1 backend. The setup
 * resolves the environment once (printing the decision log) and hands it to the test workers
 * through one environment variable; the teardown stops what was started (SIGINT and SIGTERM
 * stop it too).
 *
 *   // jest.config.mjs
 *   export default { globalSetup: './agentwire.setup.mjs', globalTeardown: './agentwire.teardown.mjs' };
 *   // agentwire.setup.mjs
 *   import { agentwireGlobalSetup } from 'agentwire/jest';
 *   export default agentwireGlobalSetup();
 */
import {
  type AepEnvironment,
  type AepEnvironmentOptions,
  type AepSession,
  type StartedAepEnvironment,
  sessionFor,
  startAepEnvironment,
} from './environment.js';

export type { AepEnvironment, AepEnvironmentOptions, AepSession } from './environment.js';
export { AepEnvironmentError } from './environment.js';

/** The variable the environment travels in from the setup to the workers (JSON; holds secrets). */
export const ENVIRONMENT_VARIABLE = 'AGENTWIRE_TEST_ENVIRONMENT';

const STARTED = Symbol.for('agentwire.jest.environment');
type WithStarted = typeof globalThis & { [STARTED]?: StartedAepEnvironment };

/** A Jest globalSetup function (export it as the default of the file `globalSetup` names). */
export function agentwireGlobalSetup(options: AepEnvironmentOptions = {}) {
  return async function globalSetup(): Promise<void> {
    const started = await startAepEnvironment(options);
    (globalThis as WithStarted)[STARTED] = started;
    const { environment } = started;
    process.stderr.write(
      `agentwire: backend ${environment.wsUrl} from the ${environment.tier} tier (${environment.source})\n`,
    );
    process.env[ENVIRONMENT_VARIABLE] = JSON.stringify(environment);
  };
}

/** A Jest globalTeardown function: stops what the setup started. */
export async function agentwireGlobalTeardown(): Promise<void> {
  const holder = globalThis as WithStarted;
  const started = holder[STARTED];
  delete holder[STARTED];
  delete process.env[ENVIRONMENT_VARIABLE];
  await started?.release();
}

/** In a test: the environment the setup resolved; a clear error when it did not run. */
export function aepEnvironment(): AepEnvironment {
  const value = process.env[ENVIRONMENT_VARIABLE];
  if (!value)
    throw new Error(
      `agentwire/jest: ${ENVIRONMENT_VARIABLE} is not set: add a globalSetup file exporting \`agentwireGlobalSetup()\` and a globalTeardown exporting \`agentwireGlobalTeardown\` to the Jest config (see docs/api.md)`,
    );
  return JSON.parse(value) as AepEnvironment;
}

/** In a test: a token for `user` (a fresh user id when omitted) and the browser subprotocols. */
export function aepSession(user?: string): Promise<AepSession> {
  return sessionFor(aepEnvironment(), user);
}
