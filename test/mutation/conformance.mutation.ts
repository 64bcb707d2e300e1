/**
 * The conformance suite as the killer of `npm run mutation`: every AEP/1 and AG-UI check is a
 * test of its own, run through the library exactly as `agentwire run --checks ID` runs it
 * (planRun → acquireTarget → runSuite: a fresh embedded reference backend with the Origin it
 * allows, a drainable pair for the checks needing instances of their own). Stryker's per-test
 * coverage then runs only the checks that reach a mutant. The server's own unit tests play no
 * part: the score measures what the suite catches.
 *
 * Run only through `npm run mutation` (vitest.mutation.config.ts); the main test run already
 * runs the whole suite against the reference backend.
 */
import { describe, expect, it } from 'vitest';
import { AEP_CHECKS, AG_UI_CHECKS, type Check } from '../../src/checks/index.js';
import { type CheckResult, PROFILES } from '../../src/runner/index.js';
import { type RunningServer, startCluster } from '../../src/server/index.js';
import { acquireTarget, EMBEDDED_ALLOWED_ORIGIN, planRun, runSuite } from '../../src/suite/index.js';
import { type RoundRobinBalancer, startRoundRobinBalancer } from '../support/round-robin-balancer.js';
import { laggingDeployment } from './lagging-deployment.js';

/** The fuzzer's seed: fixed, so a mutant meets the same frames as the clean backend did. */
const MUTATION_SEED = 1;
/** A teardown that hangs (a mutant in close()) must not decide the verdict: only checks do. */
const TEARDOWN_LIMIT_MS = 7000;

/**
 * The rules whose code a remote store and a reordering bus reach (threads, resume, seq order,
 * runs, cancel, drain, crash): run a second time against a lagging deployment.
 */
const DEPLOYMENT_RULES = /^(R-4\.|R-5\.|R-6\.4\/|R-6\.5\/|scenario\/|model\/)/;

/**
 * memory: one embedded instance, as `agentwire run` starts it. lagging deployment: one instance
 * (two for the checks that drain or crash one) on remote, slow services. balanced deployment: two
 * instances on those services behind a round-robin balancer, so a check's second connection
 * lands on the other instance and its events come over the bus.
 */
type Storage = 'memory' | 'lagging deployment' | 'balanced deployment';

const BALANCED_SECRET = 'mutation-harness-secret-of-the-balanced-deployment';

/** Two instances of a lagging deployment behind a round-robin balancer. */
async function startBalancedDeployment(): Promise<{ wsUrl: string; stop(): Promise<void> }> {
  const instances: RunningServer[] = await startCluster(
    {
      jwtSecret: BALANCED_SECRET,
      host: '127.0.0.1',
      allowedOrigins: [EMBEDDED_ALLOWED_ORIGIN],
      logLevel: 'silent',
      cluster: laggingDeployment(),
    },
    2,
  );
  let balancer: RoundRobinBalancer;
  try {
    balancer = await startRoundRobinBalancer(instances);
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.close()));
    throw error;
  }
  return {
    wsUrl: balancer.wsUrl,
    stop: async () => {
      await balancer.close();
      await Promise.all(instances.map((instance) => instance.close()));
    },
  };
}

async function runOne(check: Check, protocol: 'aep' | 'ag-ui', storage: Storage): Promise<CheckResult> {
  const balanced = storage === 'balanced deployment' ? await startBalancedDeployment() : undefined;
  const planned = planRun({
    protocol,
    checks: check.id,
    seed: MUTATION_SEED,
    pace: 'local',
    ...(balanced
      ? { target: balanced.wsUrl, jwtSecret: BALANCED_SECRET, allowedOrigin: EMBEDDED_ALLOWED_ORIGIN }
      : {}),
  });
  const plan =
    storage === 'lagging deployment'
      ? { ...planned, request: { ...planned.request, referenceServer: { cluster: laggingDeployment() } } }
      : planned;
  const target = await acquireTarget(plan, { watchProcess: false });
  try {
    const report = await runSuite(plan, target);
    expect(report.checks.map((result) => result.id)).toEqual([check.id]);
    return report.checks[0]!;
  } finally {
    const releasing = Promise.all([target.release(), balanced?.stop()]).catch(() => {});
    await Promise.race([releasing, new Promise((resolve) => setTimeout(resolve, TEARDOWN_LIMIT_MS))]);
  }
}

function verdict(result: CheckResult): string {
  return `${result.id}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`;
}

for (const [name, protocol, storage, checks] of [
  ['AEP/1', 'aep', 'memory', AEP_CHECKS],
  ['AG-UI', 'ag-ui', 'memory', AG_UI_CHECKS],
  [
    'AEP/1, lagging deployment',
    'aep',
    'lagging deployment',
    AEP_CHECKS.filter(({ id }) => DEPLOYMENT_RULES.test(id)),
  ],
  [
    'AEP/1, balanced deployment',
    'aep',
    'balanced deployment',
    AEP_CHECKS.filter(({ id, needsOwnInstances }) => DEPLOYMENT_RULES.test(id) && !needsOwnInstances),
  ],
] as const) {
  describe(name, () => {
    for (const check of checks) {
      it(check.id, { timeout: (check.timeoutMs ?? PROFILES.local.checkTimeoutMs) + 10_000 }, async () => {
        const result = await runOne(check, protocol, storage);
        expect(result.status, verdict(result)).toBe('passed');
      });
    }
  });
}
