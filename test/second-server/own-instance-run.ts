/**
 * The checks needing instances of their own, run through the library (planRun, acquireTarget,
 * runSuite) with a two-instance deployment of the second server (`pair.ts`) as those instances:
 * shared by the test and `npm run detection:blind`.
 */
import { acquireTarget, planRun, runSuite } from '../../src/suite/index.js';
import type { Flaws } from './flaws.js';
import { startSecondServerPair } from './pair.js';

/** The one Origin the second server is started allowing. */
export const SECOND_SERVER_ORIGIN = 'https://app.second-server.test';

/**
 * Unsupported against --target; the pair serves them. The checks need an instance crashed
 * on purpose, which the pair does not offer, so they are not among them.
 */
export const OWN_INSTANCE_CHECKS = [
  'R-6.4/graceful-drain',
  'R-6.4/resume-on-another-instance',
  'R-4.2/fan-out-across-instances',
];

/** Runs OWN_INSTANCE_CHECKS; `targetUrl` is only where the run starts (a running second server). */
export async function runOwnInstanceChecks(targetUrl: string, secret: string, flaws?: Flaws) {
  const plan = planRun({
    target: targetUrl,
    jwtSecret: secret,
    allowedOrigin: SECOND_SERVER_ORIGIN,
    checks: OWN_INSTANCE_CHECKS.join(','),
    pace: 'local',
  });
  const target = await acquireTarget(plan, { watchProcess: false });
  try {
    return await runSuite(plan, target, {
      ownInstances: () =>
        startSecondServerPair({
          secret,
          allowedOrigins: [SECOND_SERVER_ORIGIN],
          ...(flaws ? { flaws } : {}),
        }),
    });
  } finally {
    await target.release();
  }
}
