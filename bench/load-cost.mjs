// What generating load costs: `agentwire load` against a bare `ws` client (bench/bare-client.mjs)
// on the same plan, against the same server, in the same run, alternating, several rounds.
// Each client reports its own CPU time and peak RSS; the ratios are agentwire / bare.
// Usage: node bench/load-cost.mjs [SESSIONS,…] [ROUNDS]   (default 3000 3; env RAMP_MS, HOLD_MS)
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const bare = join(import.meta.dirname, 'bare-client.mjs');
const secret = randomBytes(24).toString('hex');
const sizes = (process.argv[2] ?? '3000').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 3);
const RAMP_MS = Number(process.env.RAMP_MS ?? 10_000);
const HOLD_MS = Number(process.env.HOLD_MS ?? 20_000);

async function serve() {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'error'], {
    env: { ...process.env, AGENTWIRE_JWT_SECRET: secret },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /websocket\s+(ws:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, stop: () => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')) };
}

async function agentwire(url, sessions) {
  const { stdout } = await run(
    process.execPath,
    [
      cli,
      'load',
      '--target',
      url,
      '--jwt-secret',
      secret,
      '--sessions',
      String(sessions),
      '--ramp-ms',
      String(RAMP_MS),
      '--hold-ms',
      String(HOLD_MS),
      '--handshake-timeout-ms',
      '60000',
      '--json',
      '--no-default-thresholds',
    ],
    { maxBuffer: 256 * 2 ** 20, timeout: 600_000 },
  ).catch((error) => ({ stdout: error.stdout }));
  const report = JSON.parse(stdout);
  return {
    opened: report.counters.sessions_opened,
    peak: report.peak_open_sessions,
    cpu: report.generator.cpu_ms,
    rss: report.generator.peak_rss_mb,
  };
}

async function bareClient(url, sessions) {
  const { stdout } = await run(
    process.execPath,
    [bare, url, secret, String(sessions), String(RAMP_MS), String(HOLD_MS)],
    {
      timeout: 600_000,
    },
  );
  const result = JSON.parse(stdout);
  return {
    opened: result.sessions_opened,
    peak: result.peak_open_sessions,
    cpu: result.cpu_ms,
    rss: result.peak_rss_mb,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const server = await serve();
try {
  // The server's JIT warmed once, for both clients alike.
  await bareClient(server.url, 500);
  for (const sessions of sizes) {
    const rows = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so a drift of the machine's load hits both alike.
      const pair = {};
      for (const name of round % 2 ? ['agentwire', 'bare'] : ['bare', 'agentwire']) {
        pair[name] = await (name === 'bare' ? bareClient : agentwire)(server.url, sessions);
        await sleep(2000);
      }
      rows.push(pair);
      console.error(
        `  ${sessions} sessions, round ${round + 1}: bare ${pair.bare.cpu} ms CPU ${pair.bare.rss} MiB (peak ${pair.bare.peak} open); agentwire ${pair.agentwire.cpu} ms CPU ${pair.agentwire.rss} MiB (peak ${pair.agentwire.peak} open)`,
      );
    }
    const cpuRatios = rows.map((row) => row.agentwire.cpu / row.bare.cpu);
    const rssRatios = rows.map((row) => row.agentwire.rss / row.bare.rss);
    const m = (name, field) => median(rows.map((row) => row[name][field]));
    console.log(
      `load cost, ${sessions} sessions (ramp ${RAMP_MS} ms, hold ${HOLD_MS} ms, 1 run), median of ${rounds}: ` +
        `CPU agentwire ${(m('agentwire', 'cpu') / 1000).toFixed(1)} s / bare ws ${(m('bare', 'cpu') / 1000).toFixed(1)} s = ${median(cpuRatios).toFixed(2)}× (spread ${spread(cpuRatios)}; target ≤ 1.2×); ` +
        `peak RSS ${m('agentwire', 'rss')} / ${m('bare', 'rss')} MiB = ${median(rssRatios).toFixed(2)}× (spread ${spread(rssRatios)}; target ≤ 1.3×); ` +
        `peak open ${m('agentwire', 'peak')} / ${m('bare', 'peak')}`,
    );
  }
} finally {
  await server.stop();
}
