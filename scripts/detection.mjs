// The detection matrix: the conformance suite against the clean in-process reference backend and
// against each injected fault (agentwire faults). Passes only when the clean run has 0 failed and
// 0 unsupported checks and every fault fails at least one of the checks named for its rule.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const parallel = 2;

async function suite(fault) {
  const dir = mkdtempSync(join(tmpdir(), 'aw-detection-'));
  const args = [cli, 'run', '--report-dir', dir, ...(fault ? ['--fault', fault] : [])];
  const started = performance.now();
  let exitCode = 0;
  try {
    await run(process.execPath, args, { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    exitCode = error.code ?? 'killed';
  }
  try {
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const failed = report.checks.filter((check) => check.status === 'failed').map((check) => check.id);
    return { exitCode, summary: report.summary, failed, ms: performance.now() - started };
  } catch {
    return { exitCode, summary: undefined, failed: [], ms: performance.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = performance.now();
const { stdout } = await run(process.execPath, [cli, 'faults', '--json']);
const catalogue = JSON.parse(stdout);
const jobs = [undefined, ...Object.keys(catalogue)];
const results = new Map();
let next = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < jobs.length) {
      const fault = jobs[next++];
      results.set(fault, await suite(fault));
    }
  }),
);

const clean = results.get(undefined);
const cleanOk =
  clean.summary && clean.summary.failed === 0 && clean.summary.unsupported === 0 && clean.exitCode === 0;
console.log(
  `clean backend: ${clean.summary ? `${clean.summary.executed} executed, ${clean.summary.failed} failed, ${clean.summary.unsupported} unsupported` : `no report (exit ${clean.exitCode})`} ${cleanOk ? 'PASS' : 'FAIL'} (${(clean.ms / 1000).toFixed(1)} s)\n`,
);
const width = Math.max(...Object.keys(catalogue).map((name) => name.length));
console.log(`${'fault'.padEnd(width)}  rule   verdict   expected check failed → all failed checks`);
let missed = 0;
for (const [fault, spec] of Object.entries(catalogue)) {
  const result = results.get(fault);
  const named = spec.caughtBy.filter((id) => result.failed.includes(id));
  const detected = named.length > 0;
  if (!detected) missed++;
  const others = result.failed.filter((id) => !named.includes(id));
  console.log(
    `${fault.padEnd(width)}  ${spec.rule.padEnd(5)}  ${detected ? 'DETECTED' : 'MISSED  '}  ${
      detected ? named.join(', ') : `none of ${spec.caughtBy.join(', ')}`
    }${others.length ? ` (+${others.length} more: ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''})` : ''}`,
  );
}
const total = Object.keys(catalogue).length;
console.log(
  `\n${total - missed}/${total} faults detected by the check named for their rule; clean run ${cleanOk ? 'clean' : 'NOT clean'}; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
process.exitCode = cleanOk && missed === 0 ? 0 : 1;
