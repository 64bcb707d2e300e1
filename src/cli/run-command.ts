/**
 * `agentwire run`: the main job. Without --target it starts the embedded reference backend on a
 * free port, checks it and stops it; with --target it checks an external server. Either way the
 * run ends with reports on disk, a summary, and an exit code that never calls "nothing checked" a pass.
 */
import { performance } from 'node:perf_hooks';
import { type Command, InvalidArgumentError } from 'commander';
import { AEP_CHECKS, type Check, selectChecks } from '../checks/index.js';
import { newSecret } from '../client/index.js';
import {
  ensureWritableDir,
  ReportWriteError,
  redactText,
  renderJson,
  renderSummary,
  TerminalProgress,
  writeReports,
} from '../report/index.js';
import {
  type CheckResult,
  createTokenFactory,
  type ExecutionProfile,
  PROFILES,
  preflight,
  type RunReport,
  runChecks,
  skippedResults,
  summarise,
  type TargetAddress,
  TargetUnavailableError,
  verdictOf,
} from '../runner/index.js';
import { type ServerOptions, startServer } from '../server/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { CliError, usageError } from './errors.js';
import { renderCheckList } from './list.js';
import { httpBaseOf, parseHttpUrl, parsePositiveInt, parseWsUrl } from './options.js';

/** The Origin the embedded backend allows, so the Origin checks run against it. */
const EMBEDDED_ALLOWED_ORIGIN = 'http://localhost:3000';

interface RunOptions {
  target?: URL;
  httpUrl?: URL;
  jwtSecret?: string;
  allowedOrigin?: string;
  reportDir: string;
  checks?: string;
  list?: boolean;
  json?: boolean;
  minExecuted: number;
  pace: string;
  concurrency?: number;
  timeout?: number;
  seed?: number;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run the AEP/1 conformance suite (against the embedded reference backend unless --target is given)',
    )
    .option('--target <url>', 'ws:// or wss:// URL of the AEP/1 endpoint to check', parseWsUrl)
    .option(
      '--jwt-secret <secret>',
      'HS256 secret the target verifies tokens with (or env AGENTWIRE_JWT_SECRET)',
    )
    .option('--allowed-origin <url>', 'an Origin the target accepts; enables the Origin rejection checks')
    .option(
      '--http-url <url>',
      'http(s) base URL for /health (default: derived from --target)',
      parseHttpUrl('--http-url'),
    )
    .option('--report-dir <dir>', 'where report.json and junit.xml are written', 'agentwire-report')
    .option('--checks <glob>', 'only checks whose id matches (e.g. "R-2.*", "R-5.3/*,§4/*")')
    .option('--list', 'list the checks with rule, title and required capabilities, then exit')
    .option('--json', 'print the report as JSON on stdout (progress stays on stderr)')
    .option(
      '--min-executed <n>',
      'exit 2 unless at least n checks were executed',
      parsePositiveInt('--min-executed'),
      1,
    )
    .option('--pace <name>', `execution profile: ${Object.keys(PROFILES).join(', ')}`, 'local')
    .option('--concurrency <n>', 'checks at once (overrides the profile)', parsePositiveInt('--concurrency'))
    .option(
      '--timeout <ms>',
      'per-check timeout in ms (overrides the profile)',
      parsePositiveInt('--timeout'),
    )
    .option('--seed <n>', 'seed for generated input such as fuzzed frames (default: random)', parseSeed)
    .action(async (options: RunOptions) => {
      process.exitCode = await runCommand(options);
    });
}

function resolveProfile(options: RunOptions): ExecutionProfile {
  const base = PROFILES[options.pace as keyof typeof PROFILES];
  if (!base)
    throw usageError(
      'AW_BAD_PACE',
      `unknown --pace "${options.pace}": use one of ${Object.keys(PROFILES).join(', ')}`,
    );
  return {
    ...base,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.timeout ? { checkTimeoutMs: options.timeout } : {}),
  };
}

async function runCommand(options: RunOptions): Promise<number> {
  const checks = selectChecks(AEP_CHECKS, options.checks);
  if (options.list) {
    process.stdout.write(
      options.json ? `${JSON.stringify(listJson(checks), null, 2)}\n` : renderCheckList(checks),
    );
    return 0;
  }
  if (checks.length === 0) {
    throw usageError(
      'AW_NO_CHECKS',
      `--checks "${options.checks}" matches no check: see agentwire run --list`,
    );
  }
  const profile = resolveProfile(options);
  const secret = options.jwtSecret ?? process.env.AGENTWIRE_JWT_SECRET;
  if (options.target && !secret) {
    throw usageError(
      'AW_MISSING_SECRET',
      'missing JWT secret for --target: pass --jwt-secret S or set AGENTWIRE_JWT_SECRET to the HS256 secret the target verifies tokens with',
    );
  }
  try {
    await ensureWritableDir(options.reportDir);
  } catch (error) {
    if (error instanceof ReportWriteError) throw usageError('AW_REPORT_DIR', error.message);
    throw error;
  }

  const startedAt = new Date();
  const clock = performance.now();
  const embedded = options.target ? undefined : await startEmbedded();
  const jwtSecret = embedded?.secret ?? secret!;
  const address: TargetAddress = embedded?.address ?? {
    wsUrl: options.target!.toString(),
    httpUrl: options.httpUrl ? options.httpUrl.toString().replace(/\/$/, '') : httpBaseOf(options.target!),
    ...(options.allowedOrigin ? { allowedOrigin: options.allowedOrigin } : {}),
  };
  const stopOnSignal = () => {
    void embedded?.server.close().finally(() => process.exit(130));
    if (!embedded) process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const tokens = createTokenFactory(jwtSecret);
  const seed = options.seed ?? randomSeed();
  let results: CheckResult[];
  let problem: string | undefined;
  let server: { name: string; version: string } | undefined;
  let capabilities: string[] = [];
  try {
    const target = await preflight(address, tokens);
    server = target.ready.server;
    capabilities = [...target.capabilities];
    const progress = new TerminalProgress(checks.length, address.wsUrl);
    results = await runChecks(checks, {
      target,
      tokens,
      profile,
      observer: progress,
      seed,
      ...(embedded ? { disposableTarget: embedded.disposableTarget } : {}),
    });
  } catch (error) {
    if (!(error instanceof TargetUnavailableError)) throw error;
    problem = error.message;
    results = skippedResults(checks, `not run: ${error.message}`);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await embedded?.server.close();
  }

  const report: RunReport = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    profile: 'aep',
    target: {
      ws_url: address.wsUrl,
      http_url: address.httpUrl,
      mode: embedded ? 'embedded' : 'external',
      ...(server ? { server } : {}),
    },
    capabilities,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - clock),
    settings: {
      concurrency: profile.concurrency,
      check_timeout_ms: profile.checkTimeoutMs,
      retries: profile.retries,
      min_executed: options.minExecuted,
      seed,
    },
    summary: summarise(results),
    checks: results,
    ...(problem ? { problem } : {}),
  };
  const verdict = verdictOf(report);
  if (verdict.problem && !report.problem) report.problem = verdict.problem;
  const secrets = [jwtSecret];
  try {
    await writeReports(options.reportDir, report, secrets);
  } catch (error) {
    if (error instanceof ReportWriteError) throw new CliError('AW_REPORT_WRITE', error.message, 2);
    throw error;
  }
  if (options.json) process.stdout.write(redactText(renderJson(report), secrets));
  else process.stdout.write(redactText(renderSummary(report, verdict.problem), secrets));
  if (verdict.problem) process.stderr.write(`agentwire: ${redactText(verdict.problem, secrets)}\n`);
  return verdict.exitCode;
}

async function startEmbedded() {
  const secret = newSecret();
  const serverOptions: ServerOptions = {
    jwtSecret: secret,
    allowedOrigins: [EMBEDDED_ALLOWED_ORIGIN],
    logLevel: 'silent',
  };
  const server = await startServer(serverOptions);
  // The drain check shuts an instance down; it gets its own, started with the same options.
  const disposableTarget = async () => {
    const instance = await startServer({ ...serverOptions, port: 0 });
    return { wsUrl: instance.wsUrl, httpUrl: instance.httpUrl, drain: instance.close, stop: instance.close };
  };
  const address: TargetAddress = {
    wsUrl: server.wsUrl,
    httpUrl: server.httpUrl,
    allowedOrigin: EMBEDDED_ALLOWED_ORIGIN,
  };
  return { secret, server, address, disposableTarget };
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed >= 2 ** 31) {
    throw new InvalidArgumentError(`--seed must be an integer from 0 to ${2 ** 31 - 1}, got "${value}"`);
  }
  return seed;
}

function listJson(checks: readonly Check[]) {
  return checks.map((check) => ({
    id: check.id,
    rules: check.rules,
    title: check.title,
    requires: check.requires,
  }));
}
