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
import { acquireTarget, planRun, runSuite } from '../../src/suite/index.js';
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

type Storage = 'memory' | 'lagging deployment';

async function runOne(check: Check, protocol: 'aep' | 'ag-ui', storage: Storage): Promise<CheckResult> {
  const planned = planRun({ protocol, checks: check.id, seed: MUTATION_SEED, pace: 'local' });
  const plan =
    storage === 'memory'
      ? planned
      : { ...planned, request: { ...planned.request, referenceServer: { cluster: laggingDeployment() } } };
  const target = await acquireTarget(plan, { watchProcess: false });
  try {
    const report = await runSuite(plan, target);
    expect(report.checks.map((result) => result.id)).toEqual([check.id]);
    return report.checks[0]!;
  } finally {
    const releasing = target.release().catch(() => {});
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
