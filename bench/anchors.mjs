// Anchors: what another load tool pays for the same plan. Artillery 2 (its ws engine) against
// `agentwire load` and the bare `ws` client (bench/bare-client.mjs), the same sessions against
// the same reference backend, one after another in rotating order, several rounds. Every client
// runs under GNU time, so all three are measured alike: CPU time (user + system, the whole
// process tree) and peak RSS.
// Artillery is no dependency of the project: it is installed once, at a pinned version, into a
// cache folder outside it (~/.cache/agentwire/anchors, or AGENTWIRE_ANCHORS_DIR) and reused.
// Not part of CI or `npm test`.
// Usage: node bench/anchors.mjs [SESSIONS] [ROUNDS]   (default 3000 1; env RAMP_MS, HOLD_MS)
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { serveReference } from './serve.mjs';

const run = promisify(execFile);
// The last Artillery 2.0.x that runs on Node 20 (later ones ask for Node ≥ 22.13).
const ARTILLERY_VERSION = '2.0.21';
const INSTALL_MB = 650;
const TIME = '/usr/bin/time';
const cli = join(import.meta.dirname, '../dist/cli.js');
const bare = join(import.meta.dirname, 'bare-client.mjs');
const secret = randomBytes(24).toString('hex');
const SESSIONS = Number(process.argv[2] ?? 3000);
const ROUNDS = Number(process.argv[3] ?? 1);
const RAMP_MS = Number(process.env.RAMP_MS ?? 10_000);
const HOLD_MS = Number(process.env.HOLD_MS ?? 20_000);

function fail(message) {
  console.error(`bench:anchors: ${message}`);
  process.exit(1);
}

if (!existsSync(TIME)) fail(`needs GNU time at ${TIME} to measure every client alike: apt-get install time`);
if (!existsSync(cli)) fail('dist/cli.js is missing: npm run build first');

/** Artillery at the pinned version in the cache folder, installed there first if missing. */
async function artillery() {
  const root = process.env.AGENTWIRE_ANCHORS_DIR ?? join(homedir(), '.cache', 'agentwire', 'anchors');
  const dir = join(root, `artillery-${ARTILLERY_VERSION}`);
  const bin = join(dir, 'node_modules', 'artillery', 'bin', 'run');
  const installed = join(dir, 'node_modules', 'artillery', 'package.json');
  if (existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === ARTILLERY_VERSION)
    return bin;
  await mkdir(root, { recursive: true });
  const { bavail, bsize } = await statfs(root);
  const freeMb = Math.floor((bavail * bsize) / 2 ** 20);
  if (freeMb < INSTALL_MB * 1.5)
    fail(
      `installing Artillery ${ARTILLERY_VERSION} takes about ${INSTALL_MB} MB; ${root} has ${freeMb} MB free`,
    );
  console.error(`installing Artillery ${ARTILLERY_VERSION} into ${dir} (about ${INSTALL_MB} MB, once) …`);
  // Into a fresh folder, renamed when complete: an interrupted install leaves nothing half-made.
  const partial = await mkdtemp(join(root, `.artillery-${ARTILLERY_VERSION}-`));
  try {
    await writeFile(join(partial, 'package.json'), '{ "private": true }\n');
    await run(
      'npm',
      [
        'install',
        '--prefix',
        partial,
        '--save-exact',
        '--no-audit',
        '--no-fund',
        `artillery@${ARTILLERY_VERSION}`,
      ],
      {
        env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
        maxBuffer: 64 * 2 ** 20,
      },
    );
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    fail(
      `npm install artillery@${ARTILLERY_VERSION} failed: ${error.stderr?.trim().split('\n').at(-1) ?? error.message}`,
    );
  }
  return bin;
}

/** An HS256 token for the user, valid for an hour, the way the other two clients sign theirs. */
function hs256(sub) {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iat: now - 1, sub, exp: now + 3600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Runs a command under GNU time: its stdout, CPU ms (user + system) and peak RSS in MiB. */
async function timed(command, args, options = {}) {
  const { stdout, stderr } = await run(TIME, ['-f', 'TIME %U %S %M', command, ...args], {
    maxBuffer: 256 * 2 ** 20,
    timeout: 900_000,
    ...options,
  });
  const match = /TIME (\S+) (\S+) (\d+)\s*$/.exec(stderr);
  if (!match) throw new Error(`no GNU time line from ${command}: ${stderr.slice(-500)}`);
  return {
    stdout,
    cpu: Math.round((Number(match[1]) + Number(match[2])) * 1000),
    rss: Math.round(Number(match[3]) / 1024),
  };
}

async function agentwire(url) {
  const { stdout, cpu, rss } = await timed(process.execPath, [
    cli,
    'load',
    ...['--target', url, '--jwt-secret', secret, '--sessions', String(SESSIONS)],
    ...['--ramp-ms', String(RAMP_MS), '--hold-ms', String(HOLD_MS), '--handshake-timeout-ms', '60000'],
    '--json',
    '--no-default-thresholds',
  ]);
  const report = JSON.parse(stdout);
  return {
    completed: report.counters.runs_completed,
    events: report.counters.events_received,
    peak: report.peak_open_sessions,
    failed: report.counters.sessions_failed + report.counters.runs_failed,
    cpu,
    rss,
  };
}

async function bareClient(url) {
  const { stdout, cpu, rss } = await timed(process.execPath, [
    bare,
    ...[url, secret, String(SESSIONS), String(RAMP_MS), String(HOLD_MS)],
  ]);
  const result = JSON.parse(stdout);
  return {
    completed: result.runs_completed,
    events: result.events,
    peak: result.peak_open_sessions,
    failed: result.sessions_failed,
    cpu,
    rss,
  };
}

/**
 * The same plan in Artillery's ws engine: one virtual user per session, arriving evenly over
 * the ramp, each with its own token (a payload file, in order); the processor sends the one
 * user_message, counts the events (frames with a seq) until agent_completed, and tracks how many
 * sessions are open at once; then the user thinks for the hold and Artillery closes the socket.
 */
async function artilleryClient(url, bin, workDir) {
  const tag = randomBytes(3).toString('hex');
  await writeFile(
    join(workDir, 'tokens.csv'),
    `${Array.from({ length: SESSIONS }, (_, i) => hs256(`u_artillery_${tag}_${i}`)).join('\n')}\n`,
  );
  await writeFile(
    join(workDir, 'processor.cjs'),
    `let open = 0;
let peak = 0;
module.exports = {
  connectWithToken(wsArgs, context, next) {
    wsArgs.options = { ...wsArgs.options, perMessageDeflate: false, headers: { Authorization: 'Bearer ' + context.vars.token } };
    next();
  },
  oneRun(context, events, next) {
    const ws = context.ws;
    open++;
    if (open > peak) { peak = open; }
    events.emit('histogram', 'aep.open_sessions', open);
    ws.once('close', () => { open--; });
    const onMessage = (data) => {
      if (data.includes('"seq":')) events.emit('counter', 'aep.events', 1);
      if (data.includes('"agent_completed"')) {
        ws.off('message', onMessage);
        events.emit('counter', 'aep.runs_completed', 1);
        next();
      }
    };
    ws.on('message', onMessage);
    ws.send('{"type":"user_message","id":"m1","text":"What is the status of my order?"}');
  },
};
`,
  );
  await writeFile(
    join(workDir, 'plan.json'),
    JSON.stringify({
      config: {
        target: url,
        phases: [{ duration: Math.max(1, Math.round(RAMP_MS / 1000)), arrivalCount: SESSIONS }],
        payload: { path: 'tokens.csv', fields: ['token'], order: 'sequence' },
        processor: './processor.cjs',
        ws: { subprotocols: ['aep.v1'] },
      },
      scenarios: [
        {
          engine: 'ws',
          flow: [
            { connect: { function: 'connectWithToken' } },
            { function: 'oneRun' },
            { think: HOLD_MS / 1000 },
          ],
        },
      ],
    }),
  );
  const { cpu, rss } = await timed(
    process.execPath,
    [bin, 'run', '--quiet', '--output', join(workDir, 'report.json'), join(workDir, 'plan.json')],
    { cwd: workDir, env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: '1' } },
  );
  const { aggregate } = JSON.parse(await readFile(join(workDir, 'report.json'), 'utf8'));
  return {
    completed: aggregate.counters['aep.runs_completed'] ?? 0,
    events: aggregate.counters['aep.events'] ?? 0,
    peak: aggregate.summaries['aep.open_sessions']?.max ?? 0,
    failed: aggregate.counters['vusers.failed'] ?? 0,
    cpu,
    rss,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const within = (a, b) => Math.abs(a - b) <= 0.01 * Math.max(a, b);
const sameWork = (a, b) =>
  within(a.completed, b.completed) && within(a.events, b.events) && within(a.peak, b.peak);

const bin = await artillery();
const workDir = await mkdtemp(join(tmpdir(), 'agentwire-anchors-'));
const server = await serveReference(secret);
const clients = {
  artillery: (url) => artilleryClient(url, bin, workDir),
  agentwire,
  bare: bareClient,
};
const names = Object.keys(clients);
const results = Object.fromEntries(names.map((name) => [name, []]));
const loads = [];
try {
  // The server's JIT warmed once, for every client alike.
  await run(process.execPath, [bare, server.url, secret, '500', '2000', '0']);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first, so a drift of the machine's load hits all alike.
    for (const name of [...names.slice(round % 3), ...names.slice(0, round % 3)]) {
      const result = await clients[name](server.url);
      results[name].push(result);
      loads.push(loadavg()[0]);
      console.error(
        `  round ${round + 1} ${name}: ${result.completed} completed, ${result.events} events, peak ${result.peak} open, ${result.failed} failed, ${result.cpu} ms CPU, ${result.rss} MiB`,
      );
      await sleep(2000);
    }
  }
} finally {
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
}
const m = (name, field) => median(results[name].map((r) => r[field]));
const summary = Object.fromEntries(
  names.map((name) => [
    name,
    {
      completed: m(name, 'completed'),
      events: m(name, 'events'),
      peak: m(name, 'peak'),
      cpu: m(name, 'cpu'),
      rss: m(name, 'rss'),
    },
  ]),
);
const line = (name) =>
  `${name} ${(summary[name].cpu / 1000).toFixed(1)} s CPU, ${summary[name].rss} MiB (${summary[name].completed} completed, ${summary[name].events} events, peak ${summary[name].peak} open)`;
console.log(
  `anchors, ${SESSIONS} sessions (ramp ${RAMP_MS} ms, hold ${HOLD_MS} ms, 1 run), median of ${ROUNDS}, load average ${median(loads).toFixed(1)}:`,
);
for (const name of names) console.log(`  ${line(name)}`);
for (const name of ['artillery', 'agentwire']) {
  if (!sameWork(summary[name], summary.bare)) {
    console.log(`  ${name} / bare: no ratio — not the same work as the bare client`);
    continue;
  }
  console.log(
    `  ${name} / bare: CPU ${(summary[name].cpu / summary.bare.cpu).toFixed(2)}×, peak RSS ${(summary[name].rss / summary.bare.rss).toFixed(2)}×`,
  );
}
if (sameWork(summary.artillery, summary.agentwire))
  console.log(
    `  artillery / agentwire: CPU ${(summary.artillery.cpu / summary.agentwire.cpu).toFixed(2)}×, peak RSS ${(summary.artillery.rss / summary.agentwire.rss).toFixed(2)}×`,
  );
