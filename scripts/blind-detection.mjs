/**
 * How many realistic bugs the suite catches in a server it was not written against: for each flaw
 * of the second AEP/1 server (test/second-server/flaws.ts), start that server with the flaw, run
 * `agentwire run --target` against it as a user would, run the checks that need instances of
 * their own through the library on a two-instance deployment with the same flaw, and print
 * CAUGHT (with the failed checks) or MISSED. A clean run comes first: a check failing there would
 * make every "caught" of it meaningless. A measurement: exits 0 whatever it finds.
 *
 *   npm run detection:blind [-- flaw-name ...]
 *
 * The second server is TypeScript under test/, loaded with jiti (a dependency already).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli.js');

const jiti = createJiti(import.meta.url);
const { FLAWS, FLAW_NAMES } = await jiti.import(join(ROOT, 'test/second-server/flaws.ts'));
const { startSecondServer } = await jiti.import(join(ROOT, 'test/second-server/instance.ts'));
const { runOwnInstanceChecks, SECOND_SERVER_ORIGIN: ORIGIN } = await jiti.import(
  join(ROOT, 'test/second-server/own-instance-run.ts'),
);

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !FLAW_NAMES.includes(name));
if (unknown.length > 0) {
  console.error(`unknown flaw(s): ${unknown.join(', ')}; known: ${FLAW_NAMES.join(', ')}`);
  process.exit(2);
}
const chosen = asked.length > 0 ? asked : FLAW_NAMES;

function runCli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 240_000, maxBuffer: 64 << 20 }, (error) =>
      resolve(error?.killed ? 'timed out' : undefined),
    );
  });
}

/** Failed check ids (with their reasons) of `agentwire run --target` against one server. */
async function cliFailures(flaws) {
  const secret = randomBytes(32).toString('hex');
  const server = await startSecondServer({ secret, allowedOrigins: [ORIGIN], flaws });
  const dir = await mkdtemp(join(tmpdir(), 'aw-blind-'));
  try {
    const trouble = await runCli([
      'run',
      '--target',
      server.wsUrl,
      '--jwt-secret',
      secret,
      '--allowed-origin',
      ORIGIN,
      '--report-dir',
      dir,
      '--pace',
      'local',
    ]);
    let report;
    try {
      report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    } catch {
      return [{ id: '(no report)', reason: trouble ?? 'the run wrote no report.json' }];
    }
    return report.checks.filter((check) => check.status === 'failed');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Failed checks among those needing instances of their own, on a flawed two-instance pair. */
async function ownInstanceFailures(flaws) {
  const secret = randomBytes(32).toString('hex');
  // The run starts at a flawed server; the checks use the flawed pair they are given.
  const server = await startSecondServer({ secret, allowedOrigins: [ORIGIN], flaws });
  try {
    const report = await runOwnInstanceChecks(server.wsUrl, secret, flaws);
    return report.checks.filter((check) => check.status === 'failed');
  } finally {
    await server.close();
  }
}

async function failuresWith(flaws) {
  return [...(await cliFailures(flaws)), ...(await ownInstanceFailures(flaws))];
}

const started = Date.now();
const baseline = await failuresWith(new Set());
if (baseline.length > 0) {
  console.log(`clean server: ${baseline.length} check(s) failed — those are no evidence below:`);
  for (const check of baseline) console.log(`  ${check.id}: ${check.reason ?? ''}`);
} else console.log('clean server: 0 failed');
const noise = new Set(baseline.map((check) => check.id));

let caught = 0;
const missed = [];
for (const name of chosen) {
  const flaw = FLAWS[name];
  const failed = (await failuresWith(new Set([name]))).filter((check) => !noise.has(check.id));
  const label = `${flaw.rule} ${name}`.padEnd(44);
  if (failed.length > 0) {
    caught++;
    console.log(`${label} CAUGHT  ${failed.map((check) => check.id).join(', ')}`);
  } else {
    missed.push(name);
    console.log(`${label} MISSED  (${flaw.bug})`);
  }
}
console.log(
  `\n${caught}/${chosen.length} flaws caught, ${missed.length} missed` +
    `${missed.length ? ` (${missed.join(', ')})` : ''}; ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(0);
