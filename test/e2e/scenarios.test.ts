import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../../src/client/index.js';
import { PROFILES } from '../../src/runner/index.js';
import {
  type RunningServer,
  type ServerOptions,
  startDrainablePair,
  startServer,
} from '../../src/server/index.js';
import { acquireTarget, type DisposableTargetFactory, planRun, runSuite } from '../../src/suite/index.js';
import { stubAepServer } from '../support/stub-server.js';

const profile = { ...PROFILES.local, scenario: { sessions: 12, runsPerSession: 2, fuzzFrames: 80 } };

/** The checks PATTERNS against the server at URL through the library, as `agentwire run --target` runs them. */
async function suite(
  url: string,
  jwtSecret: string,
  patterns: string,
  seed: number,
  ownInstances?: DisposableTargetFactory,
) {
  // Smaller scenarios than a local run's, to keep the test quick.
  const plan = { ...planRun({ target: url, jwtSecret, checks: patterns, seed }), pace: profile };
  await using target = await acquireTarget(plan, { watchProcess: false });
  return (await runSuite(plan, target, ownInstances ? { ownInstances } : {})).checks;
}

describe('scenario, fuzz and drain checks against the reference backend', () => {
  const options: ServerOptions = { jwtSecret: newSecret(), logLevel: 'silent' };
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(options);
  });
  afterAll(() => server.close());

  async function run(patterns: string, ownInstances?: DisposableTargetFactory, seed = 1234) {
    return suite(server.wsUrl, options.jwtSecret, patterns, seed, ownInstances);
  }

  /** A disposable instance built by hand, to give the drain checks a broken deployment. */
  async function instance(overrides: { drain?: () => Promise<void>; sibling?: RunningServer } = {}) {
    const server = await startServer({ ...options, port: 0 });
    const { sibling } = overrides;
    return {
      wsUrl: server.wsUrl,
      httpUrl: server.httpUrl,
      drain: overrides.drain ?? server.close,
      ...(sibling ? { sibling: { wsUrl: sibling.wsUrl, httpUrl: sibling.httpUrl } } : {}),
      stop: async () => void (await Promise.all([server.close(), sibling?.close()])),
    };
  }

  it('passes every scenario, the fuzzer and the drain', async () => {
    const results = await run('scenario/*,R-6.1/fuzz-*,R-6.4/*,R-4.2/fan-out-*', () =>
      startDrainablePair(options),
    );
    expect(results.length).toBeGreaterThanOrEqual(12);
    for (const result of results) expect(result.status, `${result.id}: ${result.reason}`).toBe('passed');
  });

  it('fails the drain check, pointing at the health answer, when drain() does not drain', async () => {
    const [result] = await run('R-6.4/graceful-drain', () => instance({ drain: async () => {} }));
    expect(result!.status).toBe('failed');
    expect(result!.reason).toMatch(/\/health answered 200 while draining, expected 503/);
  });

  it('fails the resume and the fan-out across instances when the two instances do not share their threads', async () => {
    // Two independent embedded instances: each keeps its threads to itself.
    const results = await run('R-6.4/resume-on-another-instance,R-4.2/fan-out-across-instances', async () =>
      instance({ sibling: await startServer({ ...options, port: 0 }) }),
    );
    const byId = Object.fromEntries(results.map((result) => [result.id, result]));
    expect(byId['R-6.4/resume-on-another-instance']).toMatchObject({ status: 'failed' });
    expect(byId['R-6.4/resume-on-another-instance']!.reason).toMatch(
      /resume after reconnecting was answered with error/,
    );
    expect(byId['R-4.2/fan-out-across-instances']).toMatchObject({ status: 'failed' });
    expect(byId['R-4.2/fan-out-across-instances']!.reason).toMatch(
      /answer to resume on the second connection/,
    );
  });

  it('reports the resume on another instance unsupported when the target has a single instance', async () => {
    const [result] = await run('R-6.4/resume-on-another-instance', () => instance());
    expect(result!.status).toBe('unsupported');
    expect(result!.reason).toMatch(/second instance of the target that shares its event log/);
  });

  it('reports the drain check unsupported, with how to enable it, when no disposable instance is offered', async () => {
    const [result] = await run('R-6.4/graceful-drain');
    expect(result!.status).toBe('unsupported');
    expect(result!.reason).toMatch(/embedded backend \(omit --target\)/);
  });
});

describe('fuzz check against a server that acks anything that parses', () => {
  let close: () => Promise<void>;
  let wsUrl: string;
  beforeAll(async () => {
    const server = await stubAepServer({
      serverName: 'sloppy',
      onMessage(socket, data) {
        try {
          const frame = JSON.parse(String(data)) as { id?: unknown };
          socket.send(JSON.stringify({ type: 'ack', id: frame?.id }));
        } catch {
          socket.send(JSON.stringify({ type: 'error', code: 'bad_request', message: 'not json' }));
        }
      },
    });
    ({ wsUrl, close } = server);
  });
  afterAll(() => close());

  async function fuzz(seed: number) {
    const [result] = await suite(wsUrl, newSecret(), 'R-6.1/fuzz-malformed-frames', seed);
    return result!;
  }

  it('fails with the seed and a shrunk counterexample, the same one for the same seed', async () => {
    const first = await fuzz(99);
    expect(first.status).toBe('failed');
    expect(first.reason).toContain('--seed 99');
    const details = first.evidence!.details as { seed: number; counterexample: string; shrinks: number };
    expect(details.seed).toBe(99);
    expect(details.counterexample).toMatch(/expects (bad_request|1003|1007|1009)/);
    expect(first.evidence!.transcript.length).toBeLessThanOrEqual(30);
    const again = await fuzz(99);
    expect((again.evidence!.details as { counterexample: string }).counterexample).toBe(
      details.counterexample,
    );
  });
});

describe('agentwire run --seed', () => {
  it('records the seed in report.json and prints it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-seed-'));
    const cli = join(import.meta.dirname, '../../dist/cli.js');
    const { stdout } = await promisify(execFile)(
      'node',
      [cli, 'run', '--report-dir', dir, '--checks', 'R-6.1/fuzz-*', '--seed', '4242'],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('seed 4242');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(report.settings.seed).toBe(4242);
    expect(report.summary.passed).toBe(1);
  });

  it('refuses a seed that is not a 31-bit whole number', async () => {
    const cli = join(import.meta.dirname, '../../dist/cli.js');
    const failure = await promisify(execFile)('node', [cli, 'run', '--seed', 'soon'], {
      timeout: 60_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).not.toBe(0);
    expect((failure as { stderr: string }).stderr).toContain('--seed must be an integer');
  });
});
