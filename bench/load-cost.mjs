// What generating load costs: `agentwire load` against a bare `ws` client (bench/bare-client.mjs)
// on the same plan, against the same server, in the same run, alternating, several rounds.
// Each client reports its own CPU time and peak RSS; the ratios are agentwire / bare. A ratio is
// only worth something when both clients did the same work: each round prints, for both,
// sessions completed, events received and peak open sessions, and a round where they differ by
// more than 1% is left out of the ratios (no ratio at all when no round is left).
// The ramp starts at most 300 sessions a second (10 s for 3,000, 34 s for 10,000) and the hold
// lasts at least the ramp, so every session is open at once: faster, the reference backend's
// accept queue overflows on a busy 2-core machine and its resets make the clients' work differ.
// Usage: node bench/load-cost.mjs [SESSIONS,…] [ROUNDS]   (default 3000 3; env RAMP_MS, HOLD_MS)
// Each session takes a file descriptor in the client and one in the server: ulimit -n must
// exceed the largest SESSIONS (e.g. `ulimit -n 65536` before a 20,000-session run).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { serveReference } from './serve.mjs';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const bare = join(import.meta.dirname, 'bare-client.mjs');
const secret = randomBytes(24).toString('hex');
const sizes = (process.argv[2] ?? '3000').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 3);
const RAMP_PER_S = 300;
const rampMsOf = (sessions) =>
  Number(process.env.RAMP_MS ?? Math.max(10_000, Math.ceil((sessions / RAMP_PER_S) * 1000)));
const holdMsOf = (sessions) => Number(process.env.HOLD_MS ?? Math.max(20_000, rampMsOf(sessions)));
// One source address has about 28,000 ephemeral ports towards one server address, and on loopback
// connect() may reuse a port a closed session left in TIME_WAIT: up to 20,000 sessions use the
// default address. Above that, each client run spreads its sessions over source addresses no
// earlier run used (127.0.R.2, 127.0.R.3, … for run R): a port bound with --local-address may
// not be one still in TIME_WAIT, so addresses shared between runs would make whichever client
// comes second pay for the first one's ports.
const SESSIONS_PER_ADDRESS = 20_000;
let clientRuns = 0;
const localAddresses = (sessions) => {
  if (sessions <= SESSIONS_PER_ADDRESS) return [];
  const subnet = 1 + (clientRuns++ % 250);
  return Array.from(
    { length: Math.ceil(sessions / SESSIONS_PER_ADDRESS) + 1 },
    (_, i) => `127.0.${subnet}.${i + 2}`,
  );
};

async function agentwire(url, sessions) {
  const addresses = localAddresses(sessions);
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
      String(rampMsOf(sessions)),
      '--hold-ms',
      String(holdMsOf(sessions)),
      '--handshake-timeout-ms',
      '60000',
      '--json',
      '--no-default-thresholds',
      ...addresses.flatMap((address) => ['--local-address', address]),
    ],
    { maxBuffer: 256 * 2 ** 20, timeout: 600_000 },
  ).catch((error) => ({ stdout: error.stdout }));
  const report = JSON.parse(stdout);
  return {
    opened: report.counters.sessions_opened,
    failed: report.counters.sessions_failed,
    failures: report.failures,
    completed: report.counters.runs_completed,
    events: report.counters.events_received,
    peak: report.peak_open_sessions,
    cpu: report.generator.cpu_ms,
    rss: report.generator.peak_rss_mb,
  };
}

async function bareClient(url, sessions) {
  const { stdout } = await run(
    process.execPath,
    [
      bare,
      url,
      secret,
      String(sessions),
      String(rampMsOf(sessions)),
      String(holdMsOf(sessions)),
      localAddresses(sessions).join(','),
    ],
    {
      timeout: 600_000,
    },
  );
  const result = JSON.parse(stdout);
  return {
    opened: result.sessions_opened,
    failed: result.sessions_failed,
    failures: result.failures,
    completed: result.runs_completed,
    events: result.events,
    peak: result.peak_open_sessions,
    cpu: result.cpu_ms,
    rss: result.peak_rss_mb,
  };
}

/** Both clients did the same work: sessions completed, events and peak open within 1%. */
const within = (a, b) => Math.abs(a - b) <= 0.01 * Math.max(a, b);
const sameWork = (a, b) =>
  within(a.completed, b.completed) && within(a.events, b.events) && within(a.peak, b.peak);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const server = await serveReference(secret);
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
      const work = (c) =>
        `${c.completed} completed, ${c.events} events, peak ${c.peak} open, ${c.failed} failed, ${c.cpu} ms CPU, ${c.rss} MiB`;
      const same = sameWork(pair.agentwire, pair.bare);
      console.error(
        `  ${sessions} sessions, round ${round + 1}: bare ${work(pair.bare)}; agentwire ${work(pair.agentwire)}${same ? '' : ' — NOT the same work, left out'}`,
      );
      for (const [name, c] of Object.entries(pair))
        if (c.failed) console.error(`    ${name} failures: ${JSON.stringify(c.failures)}`);
      if (same) rows.push(pair);
    }
    const addresses = Math.ceil(sessions / SESSIONS_PER_ADDRESS) + 1;
    const plan = `${sessions} sessions (ramp ${rampMsOf(sessions)} ms, hold ${holdMsOf(sessions)} ms, 1 run${sessions > SESSIONS_PER_ADDRESS ? `, ${addresses} fresh source addresses per client run` : ''})`;
    if (!rows.length) {
      console.log(
        `load cost, ${plan}: no ratio — in no round did both clients complete the same sessions, receive the same events and hold the same peak of open sessions (see the rounds above)`,
      );
      continue;
    }
    const cpuRatios = rows.map((row) => row.agentwire.cpu / row.bare.cpu);
    const rssRatios = rows.map((row) => row.agentwire.rss / row.bare.rss);
    const m = (name, field) => median(rows.map((row) => row[name][field]));
    console.log(
      `load cost, ${plan}, median of ${rows.length} round(s): ` +
        `CPU agentwire ${(m('agentwire', 'cpu') / 1000).toFixed(1)} s / bare ws ${(m('bare', 'cpu') / 1000).toFixed(1)} s = ${median(cpuRatios).toFixed(2)}× (spread ${spread(cpuRatios)}; target ≤ 1.2×); ` +
        `peak RSS ${m('agentwire', 'rss')} / ${m('bare', 'rss')} MiB = ${median(rssRatios).toFixed(2)}× (spread ${spread(rssRatios)}; target ≤ 1.3×); ` +
        `each: ${m('agentwire', 'completed')} sessions completed, ${m('agentwire', 'events')} events, peak ${m('agentwire', 'peak')} open; load average ${loadavg()[0].toFixed(1)}`,
    );
  }
} finally {
  await server.stop();
}
