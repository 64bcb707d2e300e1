// The detection matrix: the conformance suite against the clean in-process reference backend and
// against each injected fault (agentwire faults), the AG-UI faults (and a clean run) with the ag-ui
// profile. Passes only when the clean run has 0 failed and
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
  parentPort.postMessage(await suite(workerData.fault, workerData.protocol));
  process.exit(0);
}

function inWorker(fault, protocol) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { fault, protocol } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function suite(fault, protocol = 'aep') {
  const started = performance.now();
  const plan = planRun({ protocol, faults: fault ? [fault] : [] });
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
// DETECTION_FAULTS=a,b limits the matrix to those faults (the clean runs always run).
const only = process.env.DETECTION_FAULTS?.split(',').filter(Boolean);
const faults = Object.fromEntries(Object.entries(FAULTS).filter(([name]) => !only || only.includes(name)));
const jobs = [
  { key: 'clean:aep', protocol: 'aep' },
  { key: 'clean:ag-ui', protocol: 'ag-ui' },
  ...Object.entries(faults).map(([fault, spec]) => ({ key: fault, fault, protocol: spec.profile ?? 'aep' })),
];
const results = new Map();
let next = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      results.set(job.key, await inWorker(job.fault, job.protocol));
    }
  }),
);

let cleanOk = true;
for (const protocol of ['aep', 'ag-ui']) {
  const clean = results.get(`clean:${protocol}`);
  const ok = clean.summary.failed === 0 && clean.summary.unsupported === 0 && clean.exitCode === 0;
  cleanOk &&= ok;
  console.log(
    `clean backend (${protocol}): ${clean.summary.executed} executed, ${clean.summary.failed} failed${clean.failed.length ? ` (${clean.failed.join(', ')})` : ''}, ${clean.summary.unsupported} unsupported ${ok ? 'PASS' : 'FAIL'} (${(clean.ms / 1000).toFixed(1)} s)`,
  );
}
console.log('');
const width = Math.max(...Object.keys(faults).map((name) => name.length));
console.log(`${'fault'.padEnd(width)}  rule    verdict   expected check failed → all failed checks`);
let missed = 0;
for (const [fault, spec] of Object.entries(faults)) {
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
    `${fault.padEnd(width)}  ${spec.rule.padEnd(6)}  ${detected ? 'DETECTED' : 'MISSED  '}  ${
      named.length ? named.join(', ') : `none of ${spec.caughtBy.join(', ')}`
    }${withoutFrames.length ? ` (no frame in the evidence of ${withoutFrames.join(', ')})` : ''}${
      others.length
        ? ` (+${others.length} more: ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''})`
        : ''
    }`,
  );
}
const total = Object.keys(faults).length;
console.log(
  `\n${total - missed}/${total} faults detected by the check named for their rule; clean run ${cleanOk ? 'clean' : 'NOT clean'}; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
process.exitCode = cleanOk && missed === 0 ? 0 : 1;
