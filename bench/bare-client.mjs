// The baseline a load generator is measured against: the same sessions on the same plan with
// nothing but `ws` (connect with a token, wait for ready, send one user_message, count events
// until agent_completed, hold, close). No latency, no checks. Prints its own CPU time and peak
// resident memory as JSON, the way `agentwire load` reports its own (`generator`).
// Usage: node bench/bare-client.mjs URL SECRET SESSIONS RAMP_MS HOLD_MS [LOCAL_ADDRESS,…]
// LOCAL_ADDRESS,… spreads the sessions over source addresses (session n from address n mod count),
// as `agentwire load --local-address` does, for more sessions than one address has ports.
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const [url, secret, sessions, rampMs, holdMs, localAddresses] = process.argv.slice(2);
const addresses = localAddresses ? localAddresses.split(',') : [];
const SESSIONS = Number(sessions);
const RAMP_MS = Number(rampMs);
const HOLD_MS = Number(holdMs);
const tag = Math.random().toString(36).slice(2, 8);
// HS256 with node:crypto, the cheapest way to sign (as `agentwire load` signs its users' tokens).
const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const now = Math.floor(Date.now() / 1000);
const tokens = Array.from({ length: SESSIONS }, (_, i) => {
  const payload = Buffer.from(
    JSON.stringify({ iat: now - 1, sub: `u_bare_${tag}_${i}`, exp: now + 3600 }),
  ).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
});
let events = 0;
let completed = 0;
let opened = 0;
let failed = 0;
/** Why sessions failed before ready: error code (or close code) → count. */
const failures = {};
const failedWith = (reason) => {
  failures[reason] = (failures[reason] ?? 0) + 1;
};
let open = 0;
let peakOpen = 0;
const started = performance.now();
const sessionsDone = [];
for (let i = 0; i < SESSIONS; i++) {
  const wait = started + (SESSIONS > 1 ? (i * RAMP_MS) / (SESSIONS - 1) : 0) - performance.now();
  if (wait > 1) await sleep(wait);
  const socket = new WebSocket(url, ['aep.v1'], {
    headers: { Authorization: `Bearer ${tokens[i]}` },
    perMessageDeflate: false,
    ...(addresses.length ? { localAddress: addresses[i % addresses.length] } : {}),
  });
  tokens[i] = '';
  sessionsDone.push(
    new Promise((resolve) => {
      let ready = false;
      socket.on('message', (data) => {
        if (!ready) {
          ready = true;
          opened++;
          peakOpen = Math.max(peakOpen, ++open);
          socket.send('{"type":"user_message","id":"m1","text":"What is the status of my order?"}');
          return;
        }
        // Events carry a seq; the ack does not (counted like `agentwire load`'s events_received).
        if (data.includes('"seq":')) events++;
        if (data.includes('"agent_completed"')) {
          completed++;
          setTimeout(() => socket.close(), HOLD_MS);
        }
      });
      socket.on('error', (error) => {
        if (!ready) failedWith(error.code ?? error.message);
      });
      socket.on('close', (code) => {
        if (ready) open--;
        else {
          failed++;
          failedWith(`closed ${code} before ready`);
        }
        resolve();
      });
    }),
  );
}
await Promise.all(sessionsDone);
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    sessions_opened: opened,
    sessions_failed: failed,
    failures,
    runs_completed: completed,
    events,
    peak_open_sessions: peakOpen,
    elapsed_ms: Math.round(performance.now() - started),
    cpu_ms: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    peak_rss_mb: Math.round(usage.maxRSS / 1024),
  })}\n`,
);
