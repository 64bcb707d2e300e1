// Many sessions held open at once from one machine: SESSIONS (default 20,000) in the closed
// model, every session open together (the hold outlasts the ramp), against the reference
// backend. One process may hold no more sockets than its open-file limit (`ulimit -n`; each
// session is one descriptor in the generator and one in the server), so the sessions are split
// over PROCESSES generator shards and as many reference backends (default: enough for 18,000 per
// process under the limit), and each shard connects from its own loopback source addresses
// (127.0.0.x, --local-address), so no address runs short of ephemeral ports.
// It prints the peak of open sessions as the servers count them (their /health, summed, polled
// every 250 ms), the merged report's counters and failures, and each shard's CPU time and peak RSS.
// Usage: node bench/load-max.mjs [SESSIONS] [PROCESSES]   (env RAMP_MS, default 60000; HOLD_MS)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serveReference } from './serve.mjs';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const secret = randomBytes(24).toString('hex');
const SESSIONS = Number(process.argv[2] ?? 20_000);
const PER_PROCESS = 18_000;
const PROCESSES = Number(process.argv[3] ?? Math.ceil(SESSIONS / PER_PROCESS));
const RAMP_MS = Number(process.env.RAMP_MS ?? 60_000);
const HOLD_MS = Number(process.env.HOLD_MS ?? RAMP_MS + 20_000);
const ADDRESSES_PER_SHARD = 2;

const fileLimit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
const perProcess = Math.ceil(SESSIONS / PROCESSES);
if (perProcess + 100 > fileLimit) {
  console.error(
    `bench: ${perProcess} sessions per process need more than ulimit -n (${fileLimit}) allows: raise it (ulimit -n 65536) or use more processes (node bench/load-max.mjs ${SESSIONS} ${Math.ceil(SESSIONS / (fileLimit - 100))})`,
  );
  process.exit(1);
}

const servers = await Promise.all(Array.from({ length: PROCESSES }, () => serveReference(secret)));
const dir = await mkdtemp(join(tmpdir(), 'agentwire-load-max-'));
const runTag = randomBytes(4).toString('hex');
let peakServers = 0;
const loads = [];
const poll = setInterval(async () => {
  const counts = await Promise.all(
    servers.map((server) =>
      fetch(server.health)
        .then((response) => response.json())
        .then((body) => body.sessions ?? 0)
        .catch(() => 0),
    ),
  );
  peakServers = Math.max(
    peakServers,
    counts.reduce((sum, count) => sum + count, 0),
  );
}, 250);
const loadSampler = setInterval(() => loads.push(loadavg()[0]), 5000);
try {
  const started = Date.now();
  // Shard i of n runs users i-1, i-1+n, …; user u connects to target u mod n: shard i's users
  // all go to backend i, so each backend holds what one shard holds.
  const shards = await Promise.all(
    Array.from({ length: PROCESSES }, (_, index) =>
      run(
        process.execPath,
        [
          cli,
          'load',
          ...servers.flatMap((server) => ['--target', server.url]),
          ...['--jwt-secret', secret, '--sessions', String(SESSIONS)],
          ...['--ramp-ms', String(RAMP_MS), '--hold-ms', String(HOLD_MS), '--handshake-timeout-ms', '60000'],
          ...[
            '--shard',
            `${index + 1}/${PROCESSES}`,
            '--run-tag',
            runTag,
            '--out',
            join(dir, `shard-${index + 1}.json`),
          ],
          ...Array.from({ length: ADDRESSES_PER_SHARD }, (_, a) => [
            '--local-address',
            `127.0.0.${2 + index * ADDRESSES_PER_SHARD + a}`,
          ]).flat(),
          '--no-default-thresholds',
        ],
        { maxBuffer: 64 * 2 ** 20, timeout: 30 * 60_000 },
      ).catch((error) => error),
    ),
  );
  const elapsed = Date.now() - started;
  const files = Array.from({ length: PROCESSES }, (_, index) => join(dir, `shard-${index + 1}.json`));
  await run(process.execPath, [
    cli,
    'load',
    'merge',
    ...files,
    '--out',
    join(dir, 'load.json'),
    '--no-default-thresholds',
  ]).catch((error) => error);
  const merged = JSON.parse(await readFile(join(dir, 'load.json'), 'utf8'));
  const reports = await Promise.all(files.map(async (file) => JSON.parse(await readFile(file, 'utf8'))));
  // The merged timeline adds the shards' open sessions second by second: a peak they held together.
  const peakTimeline = Math.max(...merged.timeline.map((point) => point.open_sessions));
  const c = merged.counters;
  console.log(
    `load max, ${SESSIONS} sessions (closed model, ramp ${RAMP_MS} ms, hold ${HOLD_MS} ms, 1 run) from ${PROCESSES} generator processes with ${ADDRESSES_PER_SHARD} source addresses each, against ${PROCESSES} reference backends, ${(elapsed / 1000).toFixed(0)} s, load average ${Math.max(...loads, 0).toFixed(1)} at most:`,
  );
  console.log(
    `  peak open sessions: ${peakServers} counted by the servers at once; ${peakTimeline} in the merged timeline (one-second points)`,
  );
  console.log(
    `  sessions ${c.sessions_opened} opened, ${c.sessions_failed} failed; runs ${c.runs_completed} completed, ${c.runs_failed} failed; ${c.events_received} events; ${c.seq_violations} seq violations, ${c.foreign_events} foreign events, ${c.error_frames} error frames${Object.keys(merged.failures).length ? `; failures ${JSON.stringify(merged.failures)}` : ''}`,
  );
  console.log(
    `  handshake_ready p99 ${merged.latency_ms.handshake_ready.p99} ms, run p99 ${merged.latency_ms.run.p99} ms, schedule_lag p99 ${merged.latency_ms.schedule_lag.p99} ms`,
  );
  for (const [index, report] of reports.entries())
    console.log(
      `  shard ${index + 1}: ${report.counters.sessions_opened} opened, peak ${report.peak_open_sessions} open, generator ${(report.generator.cpu_ms / 1000).toFixed(1)} s CPU, peak RSS ${report.generator.peak_rss_mb} MiB`,
    );
  for (const shard of shards)
    if (shard instanceof Error && shard.code !== 1) console.error(shard.stderr ?? shard.message);
} finally {
  clearInterval(poll);
  clearInterval(loadSampler);
  await Promise.all(servers.map((server) => server.stop()));
  await rm(dir, { recursive: true, force: true });
}
