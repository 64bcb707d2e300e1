// AEP/1 §7's targets for the reference backend, measured by `agentwire load`, and what the
// generator itself costs: the same 1,000 concurrent sessions driven by a bare `ws` client that
// keeps only timestamps (the baseline), against the same warmed-up server, in the same run.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { serveReference } from './serve.mjs';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const secret = randomBytes(24).toString('hex');
const SESSIONS = 1000;
const RAMP_MS = 2000;
const HOLD_MS = RAMP_MS + 500;

async function agentwireLoad(args) {
  const { stdout } = await run(
    process.execPath,
    [cli, 'load', '--json', '--no-default-thresholds', '--threshold', 'runs_failed==0', ...args],
    { maxBuffer: 64 * 2 ** 20, timeout: 300_000 },
  ).catch((error) => ({ stdout: error.stdout }));
  return JSON.parse(stdout);
}

/** The baseline: the same sessions and run, timestamps into arrays, nothing else. */
async function bareWs(url) {
  const key = new TextEncoder().encode(secret);
  const tokens = await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`u_bare_${i}`)
        .setExpirationTime('1h')
        .sign(key),
    ),
  );
  const handshake = [];
  const delivery = [];
  await Promise.all(
    tokens.map(async (token, i) => {
      await sleep((i * RAMP_MS) / (SESSIONS - 1));
      const t0 = performance.now();
      const socket = new WebSocket(url, ['aep.v1'], { headers: { Authorization: `Bearer ${token}` } });
      await new Promise((resolve) => {
        socket.on('message', (data) => {
          const now = Date.now();
          const frame = JSON.parse(data);
          if (frame.type === 'ready') {
            handshake.push(performance.now() - t0);
            socket.send(
              JSON.stringify({ type: 'user_message', id: 'm1', text: 'What is the status of my order?' }),
            );
          } else if (typeof frame.seq === 'number') {
            delivery.push(now - Date.parse(frame.ts));
            if (frame.type === 'agent_completed') resolve();
          }
        });
      });
      await sleep(HOLD_MS);
      socket.close();
    }),
  );
  const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
  return { handshakeP99: p(handshake, 0.99), deliveryP99: p(delivery, 0.99) };
}

const server = await serveReference(secret);
try {
  // Warm the server's JIT once, for both clients alike.
  await agentwireLoad([
    '--target',
    server.url,
    '--jwt-secret',
    secret,
    '--sessions',
    '600',
    '--ramp-ms',
    '1000',
    '--warmup',
    '0',
  ]);
  const rows = { baseline: [], agentwire: [] };
  for (let round = 0; round < 3; round++) {
    // Each client starts on a server that has finished closing the previous one's sessions.
    rows.baseline.push(await bareWs(server.url));
    await sleep(1500);
    const report = await agentwireLoad([
      '--target',
      server.url,
      '--jwt-secret',
      secret,
      '--sessions',
      String(SESSIONS),
      '--ramp-ms',
      String(RAMP_MS),
      '--hold-ms',
      String(HOLD_MS),
      '--warmup',
      '0',
    ]);
    await sleep(1500);
    rows.agentwire.push({
      handshakeP99: report.latency_ms.handshake_ready.p99,
      deliveryP99: report.latency_ms.delivery.p99,
    });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = (name, field) => median(rows[name].map((row) => row[field]));
  console.log(
    `\nload: ${SESSIONS} concurrent sessions (ramp ${RAMP_MS} ms, held ${HOLD_MS} ms), 1 run each, median of 3`,
  );
  for (const [field, label, target] of [
    ['handshakeP99', 'handshake+ready p99', 50],
    ['deliveryP99', 'event delivery p99', 10],
  ]) {
    const ours = m('agentwire', field);
    const base = m('baseline', field);
    console.log(
      `${label.padEnd(22)} agentwire load ${ours.toFixed(1).padStart(7)} ms  bare ws ${base.toFixed(1).padStart(7)} ms  ${(ours / base).toFixed(2)}× baseline  AEP/1 §7 target < ${target} ms: ${ours < target ? 'met' : 'MISSED'}`,
    );
  }
} finally {
  await server.stop();
}

// 10,000 idle sessions: the reference backend's memory (§7: under 1 GiB).
const idle = await agentwireLoad([
  '--sessions',
  '10000',
  '--ramp-ms',
  '5000',
  '--runs',
  '0',
  '--hold-ms',
  '5000',
  '--warmup',
  '200',
]);
console.log(
  `10,000 idle sessions     server peak RSS ${idle.server_rss_mb} MiB (${idle.counters.sessions_opened} opened)  AEP/1 §7 target < 1024 MiB: ${idle.server_rss_mb < 1024 ? 'met' : 'MISSED'}`,
);
