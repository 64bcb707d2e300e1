/**
 * `agentwire load`: many concurrent sessions against an AEP/1 server, latency percentiles and
 * thresholds. Without --target it starts the reference backend as a separate process (so the
 * generator and the server do not share a thread, and the server's memory can be read).
 * `agentwire load merge` combines the reports of shards run on several machines.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
// Single modules, not the folders' indexes: `agentwire load` loads only what it uses (its own
// footprint is part of what it measures).
import { hs256Minter, newSecret } from '../client/tokens.js';
import { ErrorCode } from '../errors.js';
import type { LoadPlan, LoadReport, Threshold } from '../load/index.js';
import type { Scenario } from '../protocol/index.js';
import { ensureWritableDir, writeFilesAtomically } from '../report/atomic-write.js';
import { ExitCode } from '../runner/verdict.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { addClientOptions, type ClientCliOptions, clientSetupOf } from './client-options.js';
import { notCheckedError, usageError } from './errors.js';
import { collect, parseTargetUrl, parseWholeNumber } from './options.js';

interface LoadOptions extends ClientCliOptions {
  target: URL[];
  allowedOrigin?: string;
  sessions: number;
  rampMs: number;
  arrivalRate?: string;
  durationMs?: number;
  runs: number;
  thinkMs: number;
  thinkJitterMs: number;
  holdMs?: number;
  localAddress: string[];
  progressEveryMs: number;
  tools: number;
  chunks: number;
  delayMs: number;
  runTimeoutMs: number;
  handshakeTimeoutMs: number;
  warmup?: number;
  threshold: string[];
  defaultThresholds: boolean;
  shard: string;
  runTag?: string;
  out?: string;
  reportDir?: string;
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
    .option('--allowed-origin <url>', 'Origin header to send')
    .option(
      '--sessions <n>',
      'concurrent sessions of the whole plan (all shards)',
      parseWholeNumber('--sessions', 1, 100_000),
      100,
    )
    .option(
      '--ramp-ms <ms>',
      'spread the session starts over this long (closed model)',
      parseWholeNumber('--ramp-ms', 0, 3_600_000),
      1000,
    )
    .option(
      '--arrival-rate <n/s>',
      'open model: start this many sessions per second, however fast the server answers, for --duration-ms; latencies count from the intended times',
    )
    .option(
      '--duration-ms <ms>',
      'how long sessions keep arriving (with --arrival-rate)',
      parseWholeNumber('--duration-ms', 1, 24 * 3_600_000),
    )
    .option(
      '--runs <n>',
      'runs per session, one after another on one thread',
      parseWholeNumber('--runs', 0, 10_000),
      1,
    )
    .option(
      '--think-ms <ms>',
      'pause between the end of a run and the next one of the same session',
      parseWholeNumber('--think-ms', 0, 3_600_000),
      0,
    )
    .option(
      '--think-jitter-ms <ms>',
      'vary each think time by up to this much either way (uniform)',
      parseWholeNumber('--think-jitter-ms', 0, 3_600_000),
      0,
    )
    .option(
      '--hold-ms <ms>',
      'keep each session open this long after its runs (default: --ramp-ms in the closed model, so every session is open at the end of the ramp; 0 in the open model)',
      parseWholeNumber('--hold-ms', 0, 3_600_000),
    )
    .option(
      '--local-address <ip>',
      'connect from this local address; repeat to spread sessions over several (e.g. 127.0.0.2, 127.0.0.3 when one runs out of ports)',
      collect,
      [],
    )
    .option(
      '--progress-every-ms <ms>',
      'when stderr is not a terminal, print a progress line this often',
      parseWholeNumber('--progress-every-ms', 100, 3_600_000),
      5000,
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
      '--handshake-timeout-ms <ms>',
      'a session without ready by then counts as failed',
      parseWholeNumber('--handshake-timeout-ms', 100, 600_000),
      10_000,
    )
    .option(
      '--warmup <n>',
      'sessions run first and left out of the numbers (default: 500 for the backend started here, 0 against --target)',
      parseWholeNumber('--warmup', 0, 10_000),
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
    .option('--report-dir <dir>', 'write load.json and load.html (percentile plots, timeline) here')
    .option('--json', 'print the JSON report instead of the table');
  addClientOptions(load).action(async (options: LoadOptions, command: Command) => {
    process.exitCode = await loadCommand(options, command.getOptionValueSource('sessions') === 'cli');
  });
  load
    .command('merge <files...>')
    .description('merge the reports of every shard into one, with exact percentiles')
    .option('--threshold <rule>', 'pass/fail rule (repeatable)', collect, [])
    .option('--no-default-thresholds', 'apply only the --threshold rules')
    .option('--out <file>', 'write the merged JSON report to this file')
    .option('--report-dir <dir>', 'write load.json and load.html of the merged report here')
    .option('--json', 'print the JSON report instead of the table')
    .action(
      async (
        files: string[],
        options: Pick<LoadOptions, 'threshold' | 'defaultThresholds' | 'out' | 'reportDir' | 'json'>,
      ) => {
        process.exitCode = await mergeCommand(files, options);
      },
    )
    .exitOverride();
  load
    .command('k8s')
    .description(
      'print a Kubernetes Indexed Job running the plan in N shards, and the Job merging their reports',
    )
    .usage('--shards <n> --image <image> [options] [load options, e.g. --target wss://… --sessions 30000]')
    .requiredOption('--shards <n>', 'pods, one shard each', parseWholeNumber('--shards', 1, 1000))
    .requiredOption('--image <image>', 'a container image with agentwire on its PATH')
    .option('--run-tag <tag>', 'the run tag of every shard (default: random)')
    .option('--name <name>', 'name of the Job (the merge Job adds -merge)', 'agentwire-load')
    .option('--secret-name <name>', 'Secret whose key jwt-secret the pods read', 'agentwire-load')
    .option('--claim <name>', 'ReadWriteMany volume claim shared by the pods', 'agentwire-load-reports')
    .option('--existing-claim', 'the claim exists: do not print one')
    .option('--merge-threshold <rule>', 'threshold for the merged report (repeatable)', collect, [])
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (options: K8sCommandOptions, command: Command) => {
      process.exitCode = await k8sCommand(options, command.args);
    })
    .exitOverride();
}

/** The merged report is judged by the plan's own rules (and any --merge-threshold). */
function mergeArgsOf(loadArgs: readonly string[], extra: readonly string[]): string[] {
  const args: string[] = [];
  loadArgs.forEach((arg, index) => {
    if (arg === '--no-default-thresholds') args.push(arg);
    else if (arg === '--threshold' && loadArgs[index + 1] !== undefined) args.push(arg, loadArgs[index + 1]!);
    else if (arg.startsWith('--threshold=')) args.push(arg);
  });
  for (const rule of extra) args.push('--threshold', rule);
  return args;
}

interface K8sCommandOptions {
  shards: number;
  image: string;
  runTag?: string;
  name: string;
  secretName: string;
  claim: string;
  existingClaim?: boolean;
  mergeThreshold: string[];
}

async function k8sCommand(options: K8sCommandOptions, loadArgs: string[]): Promise<number> {
  const { K8sOptionsError, checkLoadArgs, k8sLoadManifest, newRunTag } = await import('./load-k8s.js');
  try {
    checkLoadArgs(loadArgs);
  } catch (error) {
    if (error instanceof K8sOptionsError) throw usageError(ErrorCode.AW_BAD_K8S, error.message);
    throw error;
  }
  await checkedThresholds(options.mergeThreshold, true);
  const name = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;
  for (const [flag, value] of [
    ['--name', options.name],
    ['--secret-name', options.secretName],
    ['--claim', options.claim],
  ] as const)
    if (!name.test(value))
      throw usageError(
        ErrorCode.AW_BAD_K8S,
        `${flag} "${value}" is not a Kubernetes name: lower-case letters, digits and -, at most 52`,
      );
  if (options.runTag !== undefined && !/^[A-Za-z0-9_.-]{1,40}$/.test(options.runTag))
    throw usageError(
      ErrorCode.AW_BAD_K8S,
      `--run-tag "${options.runTag}": letters, digits, _ . - only (it names a folder)`,
    );
  process.stdout.write(
    k8sLoadManifest({
      shards: options.shards,
      image: options.image,
      runTag: options.runTag ?? newRunTag(),
      name: options.name,
      secretName: options.secretName,
      claimName: options.claim,
      existingClaim: options.existingClaim === true,
      loadArgs,
      mergeArgs: mergeArgsOf(loadArgs, options.mergeThreshold),
    }),
  );
  return ExitCode.ok;
}

/**
 * The load module is loaded when a load command runs: `agentwire run` never pays for it. A run
 * loads its parts without the shard merge (and its zod schemas): less for the generator to carry.
 */
const loadModule = async () => ({
  ...(await import('../load/load-run.js')),
  ...(await import('../load/load-report.js')),
  ...(await import('../load/load-html.js')),
  ...(await import('../load/thresholds.js')),
});
const mergeModule = () => import('../load/load-merge.js');

async function checkedThresholds(given: readonly string[], withDefaults: boolean): Promise<Threshold[]> {
  const { thresholdsOf, ThresholdError } = await loadModule();
  try {
    return thresholdsOf(given, withDefaults);
  } catch (error) {
    if (error instanceof ThresholdError) throw usageError(ErrorCode.AW_BAD_THRESHOLD, error.message);
    throw error;
  }
}

/** Ctrl+C or SIGTERM: the exit code of a run stopped by a signal (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;
const DEFAULT_WARMUP = 500;

async function loadCommand(options: LoadOptions, sessionsGiven: boolean): Promise<number> {
  const {
    buildLoadReport,
    describePlan,
    parseArrivalRate,
    parseShard,
    reportPlanOf,
    resourceWarnings,
    runLoad,
    shardUsers,
  } = await loadModule();
  const thresholds = await checkedThresholds(options.threshold, options.defaultThresholds);
  let shard: ReturnType<typeof parseShard>;
  try {
    shard = parseShard(options.shard);
  } catch (error) {
    throw usageError(ErrorCode.AW_BAD_SHARD, (error as Error).message);
  }
  let arrival: LoadPlan['arrival'];
  if (options.arrivalRate !== undefined) {
    let ratePerS: number;
    try {
      ratePerS = parseArrivalRate(options.arrivalRate);
    } catch (error) {
      throw usageError(ErrorCode.AW_BAD_ARRIVAL, (error as Error).message);
    }
    if (options.durationMs === undefined)
      throw usageError(
        ErrorCode.AW_BAD_ARRIVAL,
        '--arrival-rate needs --duration-ms MS: how long sessions keep arriving',
      );
    if (sessionsGiven)
      throw usageError(
        ErrorCode.AW_BAD_ARRIVAL,
        '--sessions and --arrival-rate describe two workload models: give --sessions (closed, with --ramp-ms) or --arrival-rate with --duration-ms (open), not both',
      );
    arrival = { ratePerS, durationMs: options.durationMs };
  } else if (options.durationMs !== undefined)
    throw usageError(
      ErrorCode.AW_BAD_ARRIVAL,
      '--duration-ms belongs to the open model: add --arrival-rate N/s',
    );
  const sessions = arrival ? Math.floor((arrival.ratePerS * arrival.durationMs) / 1000) : options.sessions;
  if (sessions < 1)
    throw usageError(
      ErrorCode.AW_BAD_ARRIVAL,
      `--arrival-rate ${options.arrivalRate} for ${options.durationMs} ms starts no session: raise either`,
    );
  if (shard.count > sessions)
    throw usageError(
      ErrorCode.AW_BAD_SHARD,
      `--shard ${options.shard} leaves shards without sessions: use at most ${sessions} shards`,
    );
  if (shard.count > 1 && !options.runTag)
    throw usageError(
      ErrorCode.AW_NEEDS_RUN_TAG,
      'a sharded run needs --run-tag TAG, the same on every shard, so the reports can be merged',
    );
  const wrongScheme = options.target.find((url) => !['ws:', 'wss:'].includes(url.protocol));
  if (wrongScheme)
    throw usageError(
      ErrorCode.AW_BAD_TARGET,
      `--target must be a ws:// or wss:// URL, got ${wrongScheme.protocol}//`,
    );
  const badAddress = options.localAddress.find((address) => isIP(address) === 0);
  if (badAddress)
    throw usageError(
      ErrorCode.AW_BAD_LOCAL_ADDRESS,
      `--local-address takes an IP address of this machine, got "${badAddress}"`,
    );
  const client = await clientSetupOf(options, process.env);
  const secret = client.jwtSecret;
  if (options.target.length && !secret && !client.tokenSource)
    throw usageError(
      ErrorCode.AW_MISSING_SECRET,
      'load against --target needs the JWT secret it verifies tokens with (--jwt-secret or AGENTWIRE_JWT_SECRET), or --jwt-private-key PATH [--jwt-alg ALG] when it verifies them with a public key, or --token-command CMD',
    );
  if (!options.target.length && client.tokenSource)
    throw usageError(
      ErrorCode.AW_BAD_OPTION,
      'the backend started here verifies tokens with its own secret, so --jwt-private-key / --token-command need --target URL of the deployment that accepts them',
    );
  const tokenSource = client.tokenSource;
  // Before the run, not after it: a report that cannot be written loses the whole run.
  if (options.out) await checkWritableFile(options.out);
  if (options.reportDir) await checkWritableDir(options.reportDir);

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
    ...(client.transport ? { transport: client.transport } : {}),
    localAddresses: options.localAddress,
    sessions,
    shard,
    rampMs: options.rampMs,
    ...(arrival ? { arrival } : {}),
    runsPerSession: options.runs,
    thinkMs: options.thinkMs,
    thinkJitterMs: options.thinkJitterMs,
    holdMs: options.holdMs ?? (arrival ? 0 : options.rampMs),
    scenario,
    text: 'What is the status of my order?',
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    runTimeoutMs: options.runTimeoutMs,
    runTag: options.runTag ?? randomBytes(4).toString('hex'),
    // A server someone else runs gets warm-up traffic only when asked for it.
    warmupSessions: options.warmup ?? (server ? DEFAULT_WARMUP : 0),
  };
  const controller = new AbortController();
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`\nagentwire: ${signal} again: stopping at once, without a report\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(
      `\nagentwire: ${signal}: stopping the sessions, writing a partial report (again to quit at once)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const startedAt = new Date();
  const planLine = describePlan(reportPlanOf(plan), {
    ws_urls: urls,
    server: server ? 'spawned' : 'external',
    ...(client.transport?.tls?.insecure ? { tls: { insecure: true } } : {}),
  });
  process.stderr.write(`${planLine}\n`);
  const fileLimit = await softFileLimit();
  const needed = shardUsers(sessions, shard).length + FILES_BESIDES_SESSIONS;
  if (fileLimit !== undefined && needed > fileLimit)
    process.stderr.write(
      `agentwire: warning: ${needed - FILES_BESIDES_SESSIONS} sessions need about ${needed} file descriptors in this process (one per session), but ulimit -n allows ${fileLimit}: sessions beyond it fail with EMFILE; raise it first, e.g. \`ulimit -n 65536\`\n`,
    );
  let resourcesWarned = false;
  const terminal = process.stderr.isTTY === true;
  let lastLine = 0;
  let report: LoadReport;
  const mint = tokenSource ? undefined : hs256Minter(jwtSecret);
  try {
    const outcome = await runLoad(plan, {
      token: tokenSource
        ? async (user) => {
            try {
              return await tokenSource.tokenFor(user, { expiresInS: 3600 });
            } catch (error) {
              throw notCheckedError(ErrorCode.AW_TOKEN_SOURCE, (error as Error).message);
            }
          }
        : (user) => mint!(user, 3600),
      signal: controller.signal,
      onProgress: ({ phase, elapsedMs, started, planned, open, metrics }) => {
        const c = metrics.counters;
        // Said at once, not only in the report: the rest of the run fails the same way.
        if (!resourcesWarned && c.sessions_failed > 0) {
          const warnings = resourceWarnings(metrics.failures);
          resourcesWarned = warnings.length > 0;
          for (const warning of warnings) process.stderr.write(`\nagentwire: ${warning}\n`);
        }
        const line = `${phase} ${(elapsedMs / 1000).toFixed(1)} s  started ${started}/${planned}  open ${open}  runs ${c.runs_completed} ok ${c.runs_failed} failed`;
        if (terminal) {
          if (!options.json) process.stderr.write(`\r${line}   `);
          return;
        }
        // Not a terminal (CI, a log file): a whole line now and then, so a long run shows life.
        if (elapsedMs - lastLine < options.progressEveryMs) return;
        lastLine = elapsedMs;
        process.stderr.write(`${line}\n`);
      },
      ...(server ? { sampleServerRss: server.rssBytes } : {}),
    });
    if (!options.json && terminal) process.stderr.write('\n');
    report = buildLoadReport(plan, outcome, {
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      server: server ? 'spawned' : 'external',
      access: {
        auth: tokenSource?.description ?? 'HS256 shared secret',
        ...(client.transport?.tls
          ? {
              tls: {
                insecure: Boolean(client.transport.tls.insecure),
                ...(client.transport.tls.ca ? { ca: true } : {}),
              },
            }
          : {}),
        ...(client.transport?.headers ? { headers: Object.keys(client.transport.headers) } : {}),
      },
      startedAt,
      thresholds,
    });
  } finally {
    await server?.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  await emit(report, options);
  if (report.interrupted) return EXIT_INTERRUPTED;
  if (report.counters.sessions_opened === 0)
    throw notCheckedError(
      ErrorCode.AW_NO_SESSION,
      `not one session could be opened to ${urls.join(', ')} (${Object.keys(report.failures)[0] ?? 'no reason recorded'}): check the URL and the JWT secret`,
    );
  return report.verdict === 'passed' ? ExitCode.ok : ExitCode.checkFailed;
}

/** Descriptors the process holds besides its sessions (stdio, the loader, the spawned server's pipes). */
const FILES_BESIDES_SESSIONS = 64;

/** This process's soft limit on open files (`ulimit -n`), where the system says it (Linux). */
async function softFileLimit(): Promise<number | undefined> {
  try {
    const limits = await readFile('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

async function checkWritableDir(dir: string): Promise<void> {
  try {
    await ensureWritableDir(resolve(dir));
  } catch (error) {
    throw usageError(ErrorCode.AW_OUT_UNWRITABLE, `--report-dir: ${(error as Error).message}`);
  }
}

/** --out must be writable before the run starts: exit 64 now rather than a lost run later. */
async function checkWritableFile(out: string): Promise<void> {
  const path = resolve(out);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory())
    throw usageError(
      ErrorCode.AW_OUT_UNWRITABLE,
      `--out ${out} is a directory: give a file name, e.g. ${join(out, 'load.json')}`,
    );
  try {
    await ensureWritableDir(dirname(path));
  } catch (error) {
    throw usageError(
      ErrorCode.AW_OUT_UNWRITABLE,
      `--out ${out} cannot be written (${(error as Error).message.replace(/^report directory \S+ is not writable \((.*?)\).*$/, '$1')}): choose a file in a writable directory`,
    );
  }
}

async function mergeCommand(
  files: string[],
  options: Pick<LoadOptions, 'threshold' | 'defaultThresholds' | 'out' | 'reportDir' | 'json'>,
): Promise<number> {
  const { MergeError, mergeLoadReports } = await mergeModule();
  const thresholds = await checkedThresholds(options.threshold, options.defaultThresholds);
  const contents = await Promise.all(
    files.map(async (name) => {
      let text: string;
      try {
        text = await readFile(resolve(name), 'utf8');
      } catch (error) {
        throw usageError(
          ErrorCode.AW_MERGE_UNREADABLE,
          `cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      try {
        return { name, content: JSON.parse(text) as unknown };
      } catch {
        throw usageError(
          ErrorCode.AW_MERGE_INVALID,
          `${name} is not JSON: pass the files written by "agentwire load --out"`,
        );
      }
    }),
  );
  let report: LoadReport;
  try {
    report = mergeLoadReports(contents, thresholds);
  } catch (error) {
    if (error instanceof MergeError) throw usageError(ErrorCode.AW_MERGE_INVALID, error.message);
    throw error;
  }
  await emit(report, options);
  return report.verdict === 'passed' ? ExitCode.ok : ExitCode.checkFailed;
}

async function emit(
  report: LoadReport,
  options: { out?: string; reportDir?: string; json?: boolean },
): Promise<void> {
  const { formatLoadReport, renderLoadHtml } = await loadModule();
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files = [];
  if (options.out) files.push({ path: resolve(options.out), content: json });
  if (options.reportDir)
    files.push(
      { path: resolve(options.reportDir, 'load.json'), content: json },
      { path: resolve(options.reportDir, 'load.html'), content: renderLoadHtml(report) },
    );
  if (files.length) await writeFilesAtomically(files);
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
    // Generous: on a busy machine a Node process can take many seconds to start.
    const timer = setTimeout(
      () => reject(new Error('the reference backend did not start within 30 s')),
      30_000,
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
    throw notCheckedError(ErrorCode.AW_SERVER_START, error.message);
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
