/**
 * `agentwire load k8s`: the printed manifest is valid against the Kubernetes API's schema of a
 * batch/v1 Job (and of the claim), and its pods' commands really shard one plan: run here as
 * the Job would run them (JOB_COMPLETION_INDEX, the shared folder), each shard from a network
 * namespace of its own (`ip netns`, veth pairs on a bridge) against one server, then the merge
 * Job's command. Needs root and iproute2; the namespaces are removed afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CLI, CORRECTNESS_THRESHOLDS, cli, serve } from '../support/cli.js';

const run = promisify(execFile);
const SECRET = 'load-k8s-secret-0123456789abcdef';
const schemas = join(import.meta.dirname, '../support/kubernetes');

async function validators() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const job = ajv.compile(JSON.parse(await readFile(join(schemas, 'batch-v1-job.schema.json'), 'utf8')));
  const claim = ajv.compile(
    JSON.parse(await readFile(join(schemas, 'core-v1-persistentvolumeclaim.schema.json'), 'utf8')),
  );
  return { job, claim };
}

function manifestOf(stdout: string) {
  // biome-ignore lint/suspicious/noExplicitAny: a manifest is walked deep and checked by value against the expected shape
  return parseAllDocuments(stdout).map((document) => document.toJS()) as Array<Record<string, any>>;
}

describe('agentwire load k8s', () => {
  it('prints an Indexed Job, its merge Job and the claim, valid against the batch/v1 and v1 schemas', async () => {
    const result = await cli([
      'load',
      'k8s',
      '--shards',
      '4',
      '--image',
      'registry.example/agentwire:0.1.0',
      '--run-tag',
      'nightly-42',
      '--merge-threshold',
      'run.p99<3000',
      '--target',
      'wss://chat.example/ws',
      '--sessions',
      '40000',
      '--ramp-ms',
      '60000',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [claim, job, merge] = manifestOf(result.stdout);
    const { job: validJob, claim: validClaim } = await validators();
    expect(validClaim(claim), JSON.stringify(validClaim.errors)).toBe(true);
    expect(validJob(job), JSON.stringify(validJob.errors)).toBe(true);
    expect(validJob(merge), JSON.stringify(validJob.errors)).toBe(true);
    expect(job!.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    const container = job!.spec.template.spec.containers[0];
    expect(container.command.slice(-6)).toEqual([
      '--target',
      'wss://chat.example/ws',
      '--sessions',
      '40000',
      '--ramp-ms',
      '60000',
    ]);
    expect(container.command[2]).toContain('--shard "$shard/4" --run-tag "nightly-42"');
    expect(container.env[0].valueFrom.secretKeyRef).toEqual({ name: 'agentwire-load', key: 'jwt-secret' });
    expect(merge!.spec.template.spec.containers[0].command.slice(-2)).toEqual([
      '--threshold',
      'run.p99<3000',
    ]);
    // The schema has teeth: what the API server would refuse, it refuses too.
    const broken = structuredClone(job!);
    broken.spec.completionMode = 'indexed';
    broken.spec.template.spec.containers[0].volumeMount = [];
    expect(validJob(broken)).toBe(false);
    expect(validJob.errors?.map((error: { instancePath: string }) => error.instancePath).sort()).toEqual([
      '/spec/completionMode',
      '/spec/template/spec/containers/0',
    ]);
  }, 60_000);

  it('refuses a secret in the manifest, options the pods set themselves, and a plan without --target', async () => {
    const base = ['load', 'k8s', '--shards', '2', '--image', 'x'];
    const cases: Array<[string[], RegExp]> = [
      [['--target', 'ws://a/ws', '--jwt-secret', SECRET], /--jwt-secret would be written into the manifest/],
      [['--target', 'ws://a/ws', '--shard', '1/2'], /--shard is set per pod by the manifest/],
      [['--sessions', '10'], /the pods need --target/],
      [['--name', 'Bad_Name', '--target', 'ws://a/ws'], /--name "Bad_Name" is not a Kubernetes name/],
    ];
    for (const [args, message] of cases) {
      const result = await cli([...base, ...args]);
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    }
  }, 60_000);

  describe('its shards, each from a network namespace of its own, against one server', () => {
    const id = `${process.pid % 100_000}`;
    const bridge = `awb${id}`;
    const namespaces = [1, 2, 3].map((shard) => `aw${id}n${shard}`);
    const cleanups: Array<() => Promise<unknown>> = [];
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    });

    const ip = (...args: string[]) => run('ip', args);

    it('runs the pods’ commands from three namespaces, and the merge Job’s command merges them', async () => {
      if (process.getuid?.() !== 0)
        throw new Error('this test creates network namespaces: run it as root (CI runs as root)');
      await ip('-V').catch(() => {
        throw new Error('iproute2 (`ip`) is missing: apt-get install iproute2');
      });
      // A bridge at 10.77.0.1 the server listens on; shard i at 10.77.0.1i behind a veth pair.
      await ip('link', 'add', bridge, 'type', 'bridge');
      cleanups.push(() => ip('link', 'del', bridge));
      await ip('addr', 'add', '10.77.0.1/24', 'dev', bridge);
      await ip('link', 'set', bridge, 'up');
      for (const [index, namespace] of namespaces.entries()) {
        await ip('netns', 'add', namespace);
        cleanups.push(() => ip('netns', 'del', namespace));
        const host = `awv${id}h${index}`;
        const inside = `awv${id}c${index}`;
        await ip('link', 'add', host, 'type', 'veth', 'peer', 'name', inside);
        cleanups.push(() => ip('link', 'del', host));
        await ip('link', 'set', host, 'master', bridge);
        await ip('link', 'set', host, 'up');
        await ip('link', 'set', inside, 'netns', namespace);
        await ip('-n', namespace, 'addr', 'add', `10.77.0.1${index + 1}/24`, 'dev', inside);
        await ip('-n', namespace, 'link', 'set', inside, 'up');
        await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      }
      const backend = await serve(['--host', '10.77.0.1', '--port', '0', '--log-level', 'error'], {
        AGENTWIRE_JWT_SECRET: SECRET,
      });
      cleanups.push(backend.stop);

      const printed = await cli([
        'load',
        'k8s',
        '--shards',
        '3',
        '--image',
        'unused-here',
        '--run-tag',
        'netns',
        '--target',
        backend.wsUrl,
        '--sessions',
        '45',
        '--ramp-ms',
        '500',
        ...CORRECTNESS_THRESHOLDS,
      ]);
      expect(printed.code, printed.stderr).toBe(0);
      const [, job, merge] = manifestOf(printed.stdout);

      // What the pod spec gives each pod: `agentwire` on the PATH, the claim mounted at
      // /reports (here a folder), the secret in the environment, and its completion index.
      const work = await mkdtemp(join(tmpdir(), 'aw-load-k8s-'));
      const bin = join(work, 'bin');
      await run('mkdir', ['-p', bin, join(work, 'reports')]);
      await writeFile(join(bin, 'agentwire'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
      await chmod(join(bin, 'agentwire'), 0o755);
      const mounted = (command: string[]) =>
        command.map((part) => part.replaceAll('/reports', join(work, 'reports')));
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, AGENTWIRE_JWT_SECRET: SECRET };
      const runIn = (namespace: string | undefined, command: string[], extra: NodeJS.ProcessEnv = {}) =>
        new Promise<{ code: number | null; output: string }>((resolve) => {
          const [file, ...args] = namespace ? ['ip', 'netns', 'exec', namespace, ...command] : command;
          const child = spawn(file!, args, { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk;
          });
          child.stderr.on('data', (chunk: Buffer) => {
            output += chunk;
          });
          child.once('exit', (code) => resolve({ code, output }));
        });

      const podCommand = mounted(job!.spec.template.spec.containers[0].command);
      const merging = runIn(undefined, mounted(merge!.spec.template.spec.containers[0].command));
      const shards = await Promise.all(
        namespaces.map((namespace, index) =>
          runIn(namespace, podCommand, { JOB_COMPLETION_INDEX: String(index) }),
        ),
      );
      for (const shard of shards) expect(shard.code, shard.output).toBe(0);
      const merged = await merging;
      expect(merged.code, merged.output).toBe(0);
      expect(merged.output).toContain('verdict: PASSED');

      const reports = await Promise.all(
        [1, 2, 3].map(async (shard) =>
          JSON.parse(await readFile(join(work, 'reports', 'netns', `shard-${shard}.json`), 'utf8')),
        ),
      );
      expect(reports.map((report) => report.plan.shard_indexes[0])).toEqual([1, 2, 3]);
      expect(reports.map((report) => report.plan.sessions)).toEqual([15, 15, 15]);
      const report = JSON.parse(
        await readFile(join(work, 'reports', 'netns', 'merged', 'load.json'), 'utf8'),
      );
      expect(report.plan).toMatchObject({ sessions: 45, shard_indexes: [1, 2, 3], run_tag: 'netns' });
      expect(report.counters.sessions_opened).toBe(45);
      expect(report.latency_ms.handshake_ready.count).toBe(45);
      await expect(
        readFile(join(work, 'reports', 'netns', 'merged', 'load.html'), 'utf8'),
      ).resolves.toContain('<title>agentwire load report</title>');
    }, 180_000);
  });
});
