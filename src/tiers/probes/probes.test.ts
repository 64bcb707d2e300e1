import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server/index.js';
import { freePort } from '../free-port.js';
import type { Endpoint } from '../types.js';
import { HttpProbe } from './http-probe.js';
import { PostgresProbe } from './postgres-probe.js';
import { runProbe } from './probe.js';
import { RedisProbe } from './redis-probe.js';
import { TcpProbe } from './tcp-probe.js';
import { WsProbe } from './ws-probe.js';

const once = { timeoutMs: 1_000, retries: 0, backoffMs: 0 };
const SECRET = 'probe-test-secret-0123456789abcdef';
let reference: RunningServer;
let health: Server;
let healthPort: number;

beforeAll(async () => {
  reference = await startServer({ jwtSecret: SECRET, port: 0, logLevel: 'silent' });
  health = createHttpServer((request, response) => {
    if (request.url === '/health') response.writeHead(200).end('{"status":"degraded","db":{"ok":true}}');
    else response.writeHead(503).end('down');
  });
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  const address = health.address();
  healthPort = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await reference.close();
  health.close();
});

const backend = (auth: Extract<Endpoint, { service: 'backend' }>['auth'], server = reference): Endpoint => ({
  service: 'backend',
  wsUrl: server.wsUrl,
  httpUrl: server.httpUrl,
  auth,
});
const healthEndpoint = (): Endpoint => ({
  service: 'backend',
  wsUrl: `ws://127.0.0.1:${healthPort}/ws`,
  httpUrl: `http://127.0.0.1:${healthPort}`,
  auth: { kind: 'none' },
});

describe('ws probe', () => {
  it('opens an AEP/1 session with a token minted from the secret and gets ready', async () => {
    const result = await runProbe(new WsProbe(), backend({ kind: 'secret', secret: SECRET }), once);
    expect(result).toMatchObject({ ok: true, attempts: 1, detail: 'ready (protocol aep.v1)' });
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('without credentials a 401 handshake still proves the server up, and says so', async () => {
    const result = await runProbe(new WsProbe(), backend({ kind: 'none' }), once);
    expect(result.ok).toBe(true);
    expect(result.detail).toContain('401 without credentials');
  });

  it('a wrong secret fails with the status', async () => {
    const result = await runProbe(
      new WsProbe(),
      backend({ kind: 'secret', secret: 'not-the-secret-at-all-000000' }),
      once,
    );
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('HTTP 401 with our token');
  });
});

describe('http probe', () => {
  it('checks status and a JSON field', async () => {
    const ok = await runProbe(
      new HttpProbe({ path: '/health', status: 200, jsonField: 'db.ok', jsonEquals: true }),
      healthEndpoint(),
      once,
    );
    expect(ok).toMatchObject({ ok: true, detail: 'answered 200 with db.ok=true' });
    const wrong = await runProbe(
      new HttpProbe({ path: '/health', status: 200, jsonField: 'status', jsonEquals: 'ok' }),
      healthEndpoint(),
      once,
    );
    expect(wrong).toMatchObject({ ok: false, detail: 'JSON field "status" is "degraded", expected "ok"' });
    const status = await runProbe(new HttpProbe({ path: '/other', status: 200 }), healthEndpoint(), once);
    expect(status.detail).toContain('answered 503, expected 200');
  });

  it('against the reference backend /health', async () => {
    const result = await runProbe(
      new HttpProbe({ path: '/health', status: 200, jsonField: 'status', jsonEquals: 'ok' }),
      backend({ kind: 'none' }),
      once,
    );
    expect(result.ok).toBe(true);
  });
});

describe('tcp probe, retries and timeouts', () => {
  it('retries with backoff and reports the attempts and the last error', async () => {
    const port = await freePort();
    const endpoint: Endpoint = { service: 'redis', url: `redis://127.0.0.1:${port}` };
    const result = await runProbe(new TcpProbe(), endpoint, { timeoutMs: 500, retries: 3, backoffMs: 20 });
    expect(result).toMatchObject({ ok: false, attempts: 4, target: `127.0.0.1:${port}` });
    expect(result.detail).toContain('ECONNREFUSED');
    expect(result.totalMs).toBeGreaterThanOrEqual(20 + 40 + 80);
  });

  it('succeeds once the port opens between attempts', async () => {
    const port = await freePort();
    const server = createServer((socket) => socket.destroy());
    setTimeout(() => server.listen(port, '127.0.0.1'), 150);
    try {
      const result = await runProbe(
        new TcpProbe(),
        { service: 'redis', url: `redis://127.0.0.1:${port}` },
        { timeoutMs: 500, retries: 10, backoffMs: 50 },
      );
      expect(result.ok).toBe(true);
      expect(result.attempts).toBeGreaterThan(1);
    } finally {
      server.close();
    }
  });

  it('an attempt that hangs is cut at the timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await runProbe(
        new RedisProbe(),
        { service: 'redis', url: `redis://127.0.0.1:${port}` },
        { timeoutMs: 200, retries: 0, backoffMs: 0 },
      );
      expect(result.ok).toBe(false);
      expect(result.detail).toBe('timed out after 200 ms');
      expect(result.latencyMs).toBeLessThan(600);
    } finally {
      silent.close();
    }
  });
});

describe('postgres and redis probes (services on 127.0.0.1, started by .ci/run)', () => {
  it('postgres SELECT 1; a wrong database fails with the server message, the password never shown', async () => {
    const ok = await runProbe(
      new PostgresProbe(),
      { service: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/postgres' },
      once,
    );
    expect(ok, 'Postgres must run on 127.0.0.1:5432').toMatchObject({
      ok: true,
      detail: 'SELECT 1 returned 1',
    });
    const bad = await runProbe(
      new PostgresProbe(),
      { service: 'postgres', url: 'postgres://postgres:hunter2@127.0.0.1:5432/no_such_db_x' },
      once,
    );
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain('no_such_db_x');
    expect(bad.target).toBe('postgres://postgres:***@127.0.0.1:5432/no_such_db_x');
  });

  it('redis PING', async () => {
    const ok = await runProbe(new RedisProbe(), { service: 'redis', url: 'redis://127.0.0.1:6379' }, once);
    expect(ok, 'Redis must run on 127.0.0.1:6379').toMatchObject({ ok: true, detail: 'PING answered PONG' });
  });
});
