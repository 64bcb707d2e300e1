import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { AepConnection, HandshakeRejectedError, mintToken, newSecret, newUserId } from '../client/index.js';
import { type RunningServer, startCluster, startServer } from './server.js';

const started: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

async function scrape(server: RunningServer): Promise<Map<string, PrometheusFamily>> {
  const response = await fetch(`${server.httpUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await response.text());
  return new Map(families.map((family) => [family.name, family]));
}

function value(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}) {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name} in the scrape`);
  const sample = family.metrics.find((metric) =>
    Object.entries(labels).every(([key, wanted]) => metric.labels?.[key] === wanted),
  );
  return Number(sample?.value ?? sample?.count ?? Number.NaN);
}

async function refusalOf(attempt: Promise<unknown>): Promise<number> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandshakeRejectedError);
  return (error as HandshakeRejectedError).status;
}

describe('GET /metrics (Prometheus text format)', () => {
  it('counts sessions, runs, deliveries, latencies and refusals by reason, and logs no token', async () => {
    const secret = newSecret();
    const logLines: string[] = [];
    const server = await startServer({
      jwtSecret: secret,
      logLevel: 'debug',
      allowedOrigins: ['https://app.example'],
      limits: { max_inflight_runs: 1, max_frame_bytes: 4096 },
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    started.push(server);
    const user = newUserId();
    const token = await mintToken(secret, { sub: user });
    const connection = await AepConnection.open({ url: server.wsUrl, token, label: 'a' });
    await connection.ready();
    const ack = await connection.startRunAcked({ scenario: { tools: 1, stream_chunks: 3, delay_ms: 20 } });
    const limited = await connection.startRun();
    expect(limited).toMatchObject({ type: 'error', code: 'rate_limited' });
    const events = await connection.waitForRunEnd(ack.run_id);

    const during = await scrape(server);
    expect(value(during, 'agentwire_open_sessions')).toBe(1);
    expect(value(during, 'agentwire_events_delivered_total')).toBe(events.length);
    expect(value(during, 'agentwire_event_delivery_seconds')).toBe(events.length);
    expect(value(during, 'agentwire_handshake_seconds')).toBe(1);
    expect(value(during, 'agentwire_refusals_total', { reason: 'rate_limited' })).toBe(1);
    expect(during.get('agentwire_event_delivery_seconds')?.type).toBe('HISTOGRAM');

    expect(await refusalOf(AepConnection.open({ url: server.wsUrl, label: 'no-token' }))).toBe(401);
    expect(
      await refusalOf(
        AepConnection.open({ url: server.wsUrl, token, origin: 'https://evil.example', label: 'o' }),
      ),
    ).toBe(403);
    const wrongSecret = await mintToken(newSecret(), { sub: user });
    expect(await refusalOf(AepConnection.open({ url: server.wsUrl, token: wrongSecret, label: 'bad' }))).toBe(
      401,
    );
    const big = await AepConnection.open({ url: server.wsUrl, token, label: 'big' });
    await big.ready();
    big.sendRaw(JSON.stringify({ type: 'ping', id: 'p', pad: 'x'.repeat(8000) }));
    expect((await big.waitForClose(5000)).code).toBe(1009);
    const binary = await AepConnection.open({ url: server.wsUrl, token, label: 'bin' });
    await binary.ready();
    binary.sendRaw(Buffer.from([1, 2, 3]), { binary: true });
    expect((await binary.waitForClose(5000)).code).toBe(1003);
    await connection.close();

    const after = await scrape(server);
    expect(value(after, 'agentwire_refusals_total', { reason: '401' })).toBe(2);
    expect(value(after, 'agentwire_refusals_total', { reason: '403' })).toBe(1);
    expect(value(after, 'agentwire_refusals_total', { reason: '1009' })).toBe(1);
    expect(value(after, 'agentwire_refusals_total', { reason: '1003' })).toBe(1);
    expect(value(after, 'agentwire_runs_in_flight')).toBe(0);
    expect(value(after, 'agentwire_store_errors_total')).toBe(0);
    expect(value(after, 'agentwire_bus_errors_total')).toBe(0);

    const logs = logLines.join('');
    expect(logs).toContain('refused handshake');
    for (const secretText of [token, wrongSecret, secret]) expect(logs).not.toContain(secretText);
  });

  it('counts a lease takeover and the orphaned runs it ended on the survivor', async () => {
    const secret = newSecret();
    const cluster = await startCluster(
      {
        jwtSecret: secret,
        logLevel: 'silent',
        leaseTiming: { ttlMs: 300, renewEveryMs: 100, scanEveryMs: 50 },
      },
      2,
    );
    started.push(...cluster);
    const [doomed, survivor] = cluster;
    const token = await mintToken(secret, { sub: newUserId() });
    const connection = await AepConnection.open({ url: doomed!.wsUrl, token });
    await connection.ready();
    const ack = await connection.startRunAcked({ scenario: { tools: 0, stream_chunks: 100, delay_ms: 50 } });
    const watcher = await AepConnection.open({ url: survivor!.wsUrl, token });
    await watcher.ready();
    await watcher.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
    await doomed!.kill();
    await watcher.waitForRunEnd(ack.run_id, 5000);
    const families = await scrape(survivor!);
    expect(value(families, 'agentwire_lease_takeovers_total')).toBe(1);
    expect(value(families, 'agentwire_orphaned_runs_ended_total')).toBe(1);
    await watcher.close();
  });
});
