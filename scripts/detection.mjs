// The detection matrix: the conformance suite against the clean in-process reference backend and
// against each injected fault (agentwire faults). Passes only when the clean run has 0 failed and
// 0 unsupported checks, every fault fails at least one of the checks named for its rule, and the
// evidence of each such failure shows at least one frame (not an empty transcript).
// Runs go through the library (planRun → acquireTarget → runSuite), two at a time, each in a
// worker thread of its own (its own event loop and reference backend, as a CLI run would have).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const { acquireTarget, FAULTS, planRun, runSuite } = await import(
  pathToFileURL(join(import.meta.dirname, '../dist/index.js')).href
);
const parallel = 2;

if (!isMainThread) {
  parentPort.postMessage(await suite(workerData.fault));
  process.exit(0);
}

function inWorker(fault) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { fault } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function suite(fault) {
  const started = performance.now();
  const plan = planRun({ faults: fault ? [fault] : [] });
  const target = await acquireTarget(plan, { watchProcess: false });
  try {
    const report = await runSuite(plan, target);
    const failed = report.checks.filter((check) => check.status === 'failed');
    return {
      exitCode: report.exit_code,
      summary: report.summary,
      failed: failed.map((check) => check.id),
      framesShown: Object.fromEntries(failed.map((check) => [check.id, offendingShown(check)])),
      ms: performance.now() - started,
    };
  } finally {
    await target.release();
  }
}

/**
 * Whether a failed check's evidence shows a frame that breaks the rule: some frame at all, and
 * when the reason names the seq it got ("expected seq 3, got 4"), a frame with that seq.
 */
function offendingShown(check) {
  const frames = (check.evidence?.transcript ?? []).map((entry) => entry.frame);
  const got = /got (\d+)/.exec(check.reason ?? '')?.[1];
  if (got !== undefined) return frames.some((frame) => frame?.seq === Number(got)) ? frames.length : 0;
  return frames.length;
}

const started = performance.now();
const jobs = [undefined, ...Object.keys(FAULTS)];
const results = new Map();
let next = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < jobs.length) {
      const fault = jobs[next++];
      results.set(fault, await inWorker(fault));
    }
  }),
);

const clean = results.get(undefined);
const cleanOk = clean.summary.failed === 0 && clean.summary.unsupported === 0 && clean.exitCode === 0;
console.log(
  `clean backend: ${clean.summary.executed} executed, ${clean.summary.failed} failed${clean.failed.length ? ` (${clean.failed.join(', ')})` : ''}, ${clean.summary.unsupported} unsupported ${cleanOk ? 'PASS' : 'FAIL'} (${(clean.ms / 1000).toFixed(1)} s)\n`,
);
const width = Math.max(...Object.keys(FAULTS).map((name) => name.length));
console.log(`${'fault'.padEnd(width)}  rule   verdict   expected check failed → all failed checks`);
let missed = 0;
for (const [fault, spec] of Object.entries(FAULTS)) {
  const result = results.get(fault);
  const named = spec.caughtBy.filter((id) => result.failed.includes(id));
  // Stream rules (R-5.x) break on frames: their evidence must show the offending one.
  const withoutFrames = spec.rule.startsWith('R-5.')
    ? named.filter((id) => result.framesShown[id] === 0)
    : [];
  const detected = named.length > 0 && withoutFrames.length === 0;
  if (!detected) missed++;
  const others = result.failed.filter((id) => !named.includes(id));
  console.log(
    `${fault.padEnd(width)}  ${spec.rule.padEnd(5)}  ${detected ? 'DETECTED' : 'MISSED  '}  ${
      named.length ? named.join(', ') : `none of ${spec.caughtBy.join(', ')}`
    }${withoutFrames.length ? ` (no frame in the evidence of ${withoutFrames.join(', ')})` : ''}${
      others.length
        ? ` (+${others.length} more: ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''})`
        : ''
    }`,
  );
}
const total = Object.keys(FAULTS).length;
console.log(
  `\n${total - missed}/${total} faults detected by the check named for their rule; clean run ${cleanOk ? 'clean' : 'NOT clean'}; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
process.exitCode = cleanOk && missed === 0 ? 0 : 1;
