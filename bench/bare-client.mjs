// The baseline a load generator is measured against: the same sessions on the same plan with
// nothing but `ws` (connect with a token, wait for ready, send one user_message, count events
// until agent_completed, hold, close). No latency, no checks. Prints its own CPU time and peak
// resident memory as JSON, the way `agentwire load` reports its own (`generator`).
// Usage: node bench/bare-client.mjs URL SECRET SESSIONS RAMP_MS HOLD_MS
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

const [url, secret, sessions, rampMs, holdMs] = process.argv.slice(2);
const SESSIONS = Number(sessions);
const RAMP_MS = Number(rampMs);
const HOLD_MS = Number(holdMs);
const key = new TextEncoder().encode(secret);
const tag = Math.random().toString(36).slice(2, 8);
const tokens = await Promise.all(
  Array.from({ length: SESSIONS }, (_, i) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`u_bare_${tag}_${i}`)
      .setExpirationTime('1h')
      .sign(key),
  ),
);
let events = 0;
let completed = 0;
let opened = 0;
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
        events++;
        if (data.includes('"agent_completed"')) {
          completed++;
          setTimeout(() => socket.close(), HOLD_MS);
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (ready) open--;
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
    runs_completed: completed,
    events,
    peak_open_sessions: peakOpen,
    elapsed_ms: Math.round(performance.now() - started),
    cpu_ms: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
    peak_rss_mb: Math.round(usage.maxRSS / 1024),
  })}\n`,
);
