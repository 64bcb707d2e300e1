// Flake-proofing of the timing-sensitive checks: each runs N times against the clean in-process
// reference backend (must pass N of N) and N times against the fault it exists for (must fail
// N of N, or at a rate of at least 95 %, stated). Runs go through the library: one acquired
// backend per fault, the check run again and again on fresh sessions (as `run --repeat` does).
// Usage: npm run flake-proof [-- RUNS]   (default 50; FLAKE_CHECKS=glob,… limits the list)
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { acquireTarget, FAULTS, planRun, runSuite } = await import(
  pathToFileURL(join(import.meta.dirname, '../dist/index.js')).href
);
const runs = Number(process.argv[2] ?? 50);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`flake-proof: RUNS must be a whole number ≥ 1, got "${process.argv[2]}"`);
  process.exit(64);
}

/**
 * The checks whose verdict depends on timing (live streams, bursts, expiry, crashes, waiting for
 * something not to happen), each with the fault that only it was written to catch.
 */
const TIMING_SENSITIVE = {
  'R-4.1/foreign-thread-refusal-leaves-no-subscription': 'foreign-message-subscribes',
  'R-4.3/foreign-resume-leaves-no-subscription': 'foreign-resume-subscribes',
  'R-4.2/resume-during-live-run': 'resume-race-loses-events',
  'R-4.2/other-connections-survive-a-close': 'disconnect-unsubscribes-user',
  'R-5.8/refusals-take-no-slot': 'refusal-leaks-slot',
  'R-5.8/cancelled-runs-free-their-slots': 'cancel-leaks-slot',
  '§4/burst-answers-match-ids': 'burst-ack-id-mixup',
  'R-2.4/expiry-closes-mid-stream': 'expiry-postponed-by-activity',
  'R-6.5/crashed-instance-runs-end': 'orphans-never-ended',
  'R-6.5/crashed-instance-slots-freed': 'orphan-slot-kept',
  'R-3.1/ready-before-early-answers': 'ready-after-session-store',
  'R-5.5/ts-order-interleaved-runs': 'ts-stamped-at-step-start',
  'R-5.7/cancel-during-long-pause': 'cancel-waits-for-pause',
  'R-5.2/cancel-closes-open-tool-first': 'cancel-outruns-tool-cleanup',
  'R-5.7/cancel-while-answer-streams': 'cancel-recloses-finished-tools',
  'R-5.1/resume-again-while-following': 'resume-again-delivers-twice',
};
// FLAKE_CHECKS selects as --checks does (selectChecks), once.
const selected = process.env.FLAKE_CHECKS
  ? new Set(planRun({ checks: process.env.FLAKE_CHECKS }).checks.map((check) => check.id))
  : undefined;
const checks = Object.keys(TIMING_SENSITIVE).filter((id) => !selected || selected.has(id));
for (const id of checks) {
  const fault = TIMING_SENSITIVE[id];
  if (!FAULTS[fault]?.caughtBy.includes(id)) throw new Error(`fault ${fault} does not name ${id}`);
}

/** Runs CHECKS `runs` times on one backend (with FAULT injected, if any): failures per check. */
async function repeat(ids, fault) {
  const plan = planRun({ checks: ids.join(','), faults: fault ? [fault] : [], seed: 1 });
  const target = await acquireTarget(plan, { watchProcess: false });
  const failed = Object.fromEntries(ids.map((id) => [id, 0]));
  const other = {};
  try {
    for (let round = 0; round < runs; round++) {
      const report = await runSuite({ ...plan, seed: round + 1 }, target);
      for (const check of report.checks) {
        if (check.status === 'failed') failed[check.id]++;
        else if (check.status !== 'passed')
          other[`${check.id}: ${check.status}`] = (other[`${check.id}: ${check.status}`] ?? 0) + 1;
      }
    }
  } finally {
    await target.release();
  }
  return { failed, other };
}

const started = performance.now();
console.log(`${runs} runs of each check: against the clean backend, then against its fault`);
const clean = await repeat(checks);
let ok = Object.keys(clean.other).length === 0;
const width = Math.max(...checks.map((id) => id.length));
const faultWidth = Math.max(...checks.map((id) => TIMING_SENSITIVE[id].length));
for (const id of checks) {
  const fault = TIMING_SENSITIVE[id];
  const dirty = await repeat([id], fault);
  const passedClean = runs - clean.failed[id];
  const caught = dirty.failed[id];
  const held = passedClean === runs && caught / runs >= 0.95 && Object.keys(dirty.other).length === 0;
  if (!held) ok = false;
  console.log(
    `${id.padEnd(width)}  clean ${String(passedClean).padStart(3)}/${runs} passed  ${fault.padEnd(faultWidth)} ${String(caught).padStart(3)}/${runs} failed  ${held ? 'ok' : 'FLAKY'}${Object.keys(dirty.other).length ? ` (${JSON.stringify(dirty.other)})` : ''}`,
  );
}
if (Object.keys(clean.other).length)
  console.log(`not passed or failed on the clean backend: ${JSON.stringify(clean.other)}`);
console.log(`${ok ? 'all steady' : 'NOT steady'}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = ok ? 0 : 1;
