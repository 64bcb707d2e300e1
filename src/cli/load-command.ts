/**
 * `agentwire load`: many concurrent sessions against an AEP/1 server, latency percentiles and
 * thresholds. Without --target it starts the reference backend as a separate process (so the
 * generator and the server do not share a thread, and the server's memory can be read).
 * `agentwire load merge` combines the reports of shards run on several machines.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { mintToken, newSecret } from '../client/index.js';
import type { LoadPlan, LoadReport, Threshold } from '../load/index.js';
import type { Scenario } from '../protocol/index.js';
import { writeFilesAtomically } from '../report/index.js';
import { ExitCode } from '../runner/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { notCheckedError, usageError } from './errors.js';
import { collect, parseTargetUrl, parseWholeNumber } from './options.js';

interface LoadOptions {
  target: URL[];
  jwtSecret?: string;
  allowedOrigin?: string;
  sessions: number;
  rampMs: number;
  runs: number;
  holdMs: number;
  tools: number;
  chunks: number;
  delayMs: number;
  runTimeoutMs: number;
  warmup: number;
  threshold: string[];
  defaultThresholds: boolean;
  shard: string;
  runTag?: string;
  out?: string;
  json?: boolean;
}

export function registerLoadCommand(program: Command): void {
  const load = program
    .command('load')
    .description('open many concurrent sessions, measure latency percentiles, apply thresholds')
    .enablePositionalOptions()
    .option(
      '--target <ws-url>',
      'the AEP/1 server; repeat for instances of one deployment, users are spread across them (default: the reference backend, started as its own process)',
      (value: string, previous: URL[]) => [...previous, parseTargetUrl(value)],
      [],
    )
    .option(
      '--jwt-secret <secret>',
      'HS256 secret the target verifies tokens with (or env AGENTWIRE_JWT_SECRET)',
    )
    .option('--allowed-origin <url>', 'Origin header to send')
    .option(
      '--sessions <n>',
      'concurrent sessions of the whole plan (all shards)',
      parseWholeNumber('--sessions', 1, 100_000),
      100,
    )
    .option(
      '--ramp-ms <ms>',
      'spread the session starts over this long',
      parseWholeNumber('--ramp-ms', 0, 3_600_000),
      1000,
    )
    .option(
      '--runs <n>',
      'runs per session, one after another on one thread',
      parseWholeNumber('--runs', 0, 10_000),
      1,
    )
    .option(
      '--hold-ms <ms>',
      'keep each session open this long after its runs',
      parseWholeNumber('--hold-ms', 0, 3_600_000),
      0,
    )
    .option('--tools <n>', 'tool calls per run (scenario)', parseWholeNumber('--tools', 0, 5), 1)
    .option(
      '--chunks <n>',
      'agent_message chunks per run (scenario)',
      parseWholeNumber('--chunks', 1, 200),
      4,
    )
    .option(
      '--delay-ms <ms>',
      'pause between the events of a run (scenario)',
      parseWholeNumber('--delay-ms', 0, 2000),
      15,
    )
    .option(
      '--run-timeout-ms <ms>',
      'a run not completed by then counts as failed',
      parseWholeNumber('--run-timeout-ms', 100, 600_000),
      30_000,
    )
    .option(
      '--warmup <n>',
      'sessions run first and left out of the numbers',
      parseWholeNumber('--warmup', 0, 10_000),
      500,
    )
    .option(
      '--threshold <rule>',
      'pass/fail rule, e.g. handshake_ready.p99<50 or runs_failed==0 (repeatable)',
      collect,
      [],
    )
    .option(
      '--no-default-thresholds',
      'apply only the --threshold rules, not AEP/1 §7 targets and correctness',
    )
    .option(
      '--shard <i/n>',
      'run shard i of n of the plan (one per machine); merge with "agentwire load merge"',
      '1/1',
    )
    .option('--run-tag <tag>', "names this run's users; give every shard the same one (default: random)")
    .option('--out <file>', 'write the JSON report (with histograms, for merging) to this file')
    .option('--json', 'print the JSON report instead of the table')
    .action(async (options: LoadOptions) => {
      process.exitCode = await loadCommand(options);
    });
  load
    .command('merge <files...>')
    .description('merge the reports of every shard into one, with exact percentiles')
    .option('--threshold <rule>', 'pass/fail rule (repeatable)', collect, [])
    .option('--no-default-thresholds', 'apply only the --threshold rules')
    .option('--out <file>', 'write the merged JSON report to this file')
    .option('--json', 'print the JSON report instead of the table')
    .action(
      async (
        files: string[],
        options: Pick<LoadOptions, 'threshold' | 'defaultThresholds' | 'out' | 'json'>,
      ) => {
        process.exitCode = await mergeCommand(files, options);
      },
    )
    .exitOverride();
}

/** The load module is loaded when a load command runs: `agentwire run` never pays for it. */
const loadModule = () => import('../load/index.js');

async function checkedThresholds(given: readonly string[], withDefaults: boolean): Promise<Threshold[]> {
  const { thresholdsOf, ThresholdError } = await loadModule();
  try {
    return thresholdsOf(given, withDefaults);
  } catch (error) {
    if (error instanceof ThresholdError) throw usageError('AW_BAD_THRESHOLD', error.message);
    throw error;
  }
}

async function loadCommand(options: LoadOptions): Promise<number> {
  const { buildLoadReport, parseShard, runLoad } = await loadModule();
  const thresholds = await checkedThresholds(options.threshold, options.defaultThresholds);
  let shard: ReturnType<typeof parseShard>;
  try {
    shard = parseShard(options.shard);
  } catch (error) {
    throw usageError('AW_BAD_SHARD', (error as Error).message);
  }
  if (shard.count > options.sessions)
    throw usageError(
      'AW_BAD_SHARD',
      `--shard ${options.shard} leaves shards without sessions: use at most ${options.sessions} shards`,
    );
  if (shard.count > 1 && !options.runTag)
    throw usageError(
      'AW_NEEDS_RUN_TAG',
      'a sharded run needs --run-tag TAG, the same on every shard, so the reports can be merged',
    );
  const wrongScheme = options.target.find((url) => !['ws:', 'wss:'].includes(url.protocol));
  if (wrongScheme)
    throw usageError(
      'AW_BAD_TARGET',
      `--target must be a ws:// or wss:// URL, got ${wrongScheme.protocol}//`,
    );
  const secret = options.jwtSecret ?? process.env.AGENTWIRE_JWT_SECRET;
  if (options.target.length && !secret)
    throw usageError(
      'AW_NEEDS_SECRET',
      'load against --target needs the JWT secret it verifies tokens with: --jwt-secret or AGENTWIRE_JWT_SECRET',
    );

  const server = options.target.length ? undefined : await spawnReferenceBackend(secret ?? newSecret());
  const jwtSecret = server?.secret ?? secret!;
  const urls = server ? [server.wsUrl] : options.target.map((url) => url.toString());
  const scenario: Scenario = {
    tools: options.tools,
    stream_chunks: options.chunks,
    delay_ms: options.delayMs,
  };
  const plan: LoadPlan = {
    urls,
    ...(options.allowedOrigin ? { origin: options.allowedOrigin } : {}),
    sessions: options.sessions,
    shard,
    rampMs: options.rampMs,
    runsPerSession: options.runs,
    holdMs: options.holdMs,
    scenario,
    text: 'What is the status of my order?',
    handshakeTimeoutMs: 10_000,
    runTimeoutMs: options.runTimeoutMs,
    runTag: options.runTag ?? randomBytes(4).toString('hex'),
    warmupSessions: options.warmup,
  };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const startedAt = new Date();
  let report: LoadReport;
  try {
    const outcome = await runLoad(plan, {
      token: (user) => mintToken(jwtSecret, { sub: user, expiresInS: 3600 }),
      signal: controller.signal,
      onProgress: ({ elapsedMs, started, open, metrics }) => {
        if (options.json || !process.stderr.isTTY) return;
        const c = metrics.counters;
        process.stderr.write(
          `\r${(elapsedMs / 1000).toFixed(1)} s  started ${started}/${plan.sessions}  open ${open}  runs ${c.runs_completed} ok ${c.runs_failed} failed   `,
        );
      },
      ...(server ? { sampleServerRss: server.rssBytes } : {}),
    });
    if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
    report = buildLoadReport(plan, outcome, {
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      server: server ? 'spawned' : 'external',
      startedAt,
      thresholds,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server?.stop();
  }
  await emit(report, options);
  if (report.counters.sessions_opened === 0)
    throw notCheckedError(
      'AW_NO_SESSION',
      `not one session could be opened to ${urls.join(', ')} (${Object.keys(report.failures)[0] ?? 'no reason recorded'}): check the URL and the JWT secret`,
    );
  return report.verdict === 'passed' ? ExitCode.ok : ExitCode.checkFailed;
}

async function mergeCommand(
  files: string[],
  options: Pick<LoadOptions, 'threshold' | 'defaultThresholds' | 'out' | 'json'>,
): Promise<number> {
  const { MergeError, mergeLoadReports } = await loadModule();
  const thresholds = await checkedThresholds(options.threshold, options.defaultThresholds);
  const contents = await Promise.all(
    files.map(async (name) => {
      let text: string;
      try {
        text = await readFile(resolve(name), 'utf8');
      } catch (error) {
        throw usageError(
          'AW_MERGE_UNREADABLE',
          `cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      try {
        return { name, content: JSON.parse(text) as unknown };
      } catch {
        throw usageError(
          'AW_MERGE_INVALID',
          `${name} is not JSON: pass the files written by "agentwire load --out"`,
        );
      }
    }),
  );
  let report: LoadReport;
  try {
    report = mergeLoadReports(contents, thresholds);
  } catch (error) {
    if (error instanceof MergeError) throw usageError('AW_MERGE_INVALID', error.message);
    throw error;
  }
  await emit(report, options);
  return report.verdict === 'passed' ? ExitCode.ok : ExitCode.checkFailed;
}

async function emit(report: LoadReport, options: { out?: string; json?: boolean }): Promise<void> {
  const { formatLoadReport } = await loadModule();
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.out) await writeFilesAtomically([{ path: resolve(options.out), content: json }]);
  process.stdout.write(options.json ? json : `${formatLoadReport(report)}\n`);
}

interface SpawnedBackend {
  wsUrl: string;
  secret: string;
  rssBytes(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** `agentwire serve` on a free port, as a child process of this one. */
async function spawnReferenceBackend(secret: string): Promise<SpawnedBackend> {
  const cli = process.argv[1]!;
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'error'], {
    env: { ...process.env, AGENTWIRE_JWT_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const wsUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the reference backend did not start within 10 s')),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /websocket\s+(ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the reference backend exited with ${code}: ${output.trim().split('\n').at(-1)}`));
    });
  }).catch((error: Error) => {
    child.kill('SIGKILL');
    throw notCheckedError('AW_SERVER_START', error.message);
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return {
    wsUrl,
    secret,
    async rssBytes() {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        const kib = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
        return kib ? Number(kib) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
