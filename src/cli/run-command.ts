/**
 * `agentwire run`: the main job. Without --target the environment tiers resolve the backend
 * (the in-process reference backend when no config file exists), the checks run against it and
 * it is stopped; with --target an external server is checked directly. Either way the run ends
 * with reports on disk, a summary, and an exit code that never calls "nothing checked" a pass.
 */
import { performance } from 'node:perf_hooks';
import { type Command, InvalidArgumentError } from 'commander';
import { AEP_CHECKS, AG_UI_CHECKS, type Check, selectChecks } from '../checks/index.js';
import {
  colours,
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
  ExitCode,
  PROFILES,
  preflight,
  type RunReport,
  runChecks,
  skippedResults,
  summarise,
  TargetUnavailableError,
  verdictOf,
} from '../runner/index.js';
import { startDrainablePair } from '../server/index.js';
import type { TierName } from '../tiers/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { agUiExternalTarget, agUiPreflight } from './ag-ui-target.js';
import { addResolveOptions } from './env-commands.js';
import { CliError, usageError } from './errors.js';
import { checkedFaults } from './faults-command.js';
import { renderCheckList } from './list.js';
import { checkTargetScheme, collect, parseHttpUrl, parsePositiveInt, parseTargetUrl } from './options.js';
import { acquireTarget, checkTargetRequest, type TargetRequest } from './run-target.js';

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
  maxUnsupported?: number;
  require?: string;
  pace?: string;
  concurrency?: number;
  timeout?: number;
  config?: string;
  tier?: string;
  requireTier?: TierName;
  fallback?: boolean;
  allowSkip?: boolean;
  seed?: number;
  fault: string[];
  profile: string;
}

export function registerRunCommand(program: Command): void {
  const run = program
    .command('run')
    .description(
      'run the AEP/1 conformance suite against the resolved environment (the embedded reference backend by default) or --target',
    )
    .option(
      '--target <url>',
      'URL to check, skipping tier resolution: ws(s):// for AEP/1, http(s)://…/agent for --profile ag-ui',
      parseTargetUrl,
    )
    .option(
      '--jwt-secret <secret>',
      'HS256 secret the target verifies tokens with (or env AGENTWIRE_JWT_SECRET)',
    )
    .option('--allowed-origin <url>', 'an Origin the target accepts; enables the Origin rejection checks')
    .option(
      '--http-url <url>',
      'http(s) base URL for /health (default: derived from the target)',
      parseHttpUrl('--http-url'),
    )
    .option(
      '--report-dir <dir>',
      'where report.json, junit.xml and report.html are written',
      'agentwire-report',
    )
    .option('--checks <glob>', 'only checks whose id matches (e.g. "R-2.*", "R-5.3/*,§4/*")')
    .option('--list', 'list the checks with rule, title and required capabilities, then exit')
    .option('--json', 'print the report as JSON on stdout (progress stays on stderr)')
    .option(
      '--min-executed <n>',
      'exit 2 unless at least n checks were executed',
      parsePositiveInt('--min-executed'),
      1,
    )
    .option(
      '--max-unsupported <n>',
      'exit 2 when more than n checks are unsupported (0: every selected check must be executable)',
      parsePositiveInt('--max-unsupported'),
    )
    .option(
      '--require <glob>',
      'exit 2 unless every check whose id matches was executed (e.g. "R-5.*,scenario/*")',
    )
    .option(
      '--pace <name>',
      `execution profile: ${Object.keys(PROFILES).join(', ')} (default: the one the resolved tier calls for)`,
    )
    .option('--concurrency <n>', 'checks at once (overrides the profile)', parsePositiveInt('--concurrency'))
    .option(
      '--timeout <ms>',
      'per-check timeout in ms (overrides the profile)',
      parsePositiveInt('--timeout'),
    )
    .option('--profile <name>', 'protocol profile: aep (WebSocket) or ag-ui (HTTP + SSE)', 'aep')
    .option(
      '--fault <name>',
      'inject a deliberate bug into the in-process reference backend (repeatable; see "agentwire faults")',
      collect,
      [],
    )
    .option('--seed <n>', 'seed for generated input such as fuzzed frames (default: random)', parseSeed);
  addResolveOptions(run).action(async (options: RunOptions) => {
    process.exitCode = await runCommand(options);
  });
}

function profileNamed(name: string): ExecutionProfile {
  const profile = PROFILES[name as keyof typeof PROFILES];
  if (!profile)
    throw usageError(
      'AW_BAD_PACE',
      `unknown --pace "${name}": use one of ${Object.keys(PROFILES).join(', ')}`,
    );
  return profile;
}

function withOverrides(base: ExecutionProfile, options: RunOptions): ExecutionProfile {
  return {
    ...base,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.timeout ? { checkTimeoutMs: options.timeout } : {}),
  };
}

async function runCommand(options: RunOptions): Promise<number> {
  if (options.profile !== 'aep' && options.profile !== 'ag-ui')
    throw usageError('AW_BAD_PROFILE', `unknown --profile "${options.profile}": use aep or ag-ui`);
  const protocol = options.profile;
  const wrongScheme = options.target && checkTargetScheme(protocol, options.target);
  if (wrongScheme) throw usageError('AW_BAD_TARGET', wrongScheme);
  const checks = selectChecks(protocol === 'ag-ui' ? AG_UI_CHECKS : AEP_CHECKS, options.checks);
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
  const required = options.require
    ? selectChecks(checks, options.require).map((check) => check.id)
    : undefined;
  if (required?.length === 0)
    throw usageError(
      'AW_NO_CHECKS',
      `--require "${options.require}" matches none of the selected checks: see agentwire run --list`,
    );
  const paceOverride = options.pace === undefined ? undefined : profileNamed(options.pace);
  const grey = colours(process.stderr).grey;
  const faults = checkedFaults(options.fault);
  if (faults.length && options.target) {
    throw usageError(
      'AW_FAULT_WITH_TARGET',
      '--fault injects bugs into the in-process reference backend, so it cannot apply to --target: drop one of them',
    );
  }
  const request: TargetRequest = {
    ...options,
    ...(faults.length ? { referenceServer: { faults } } : {}),
    cwd: process.cwd(),
    env: process.env,
    onDecisionLine: (line) => process.stderr.write(`${grey(`env ${line}`)}\n`),
  };
  if (!(protocol === 'ag-ui' && options.target)) checkTargetRequest(request);
  try {
    await ensureWritableDir(options.reportDir);
  } catch (error) {
    if (error instanceof ReportWriteError) throw usageError('AW_REPORT_DIR', error.message);
    throw error;
  }

  const startedAt = new Date();
  const clock = performance.now();
  const acquired =
    protocol === 'ag-ui' && options.target
      ? agUiExternalTarget(options.target, request)
      : await acquireTarget(request);
  if (faults.length && acquired.ok && !acquired.reference) {
    await acquired.release();
    throw usageError(
      'AW_FAULT_NOT_REFERENCE',
      `--fault needs the in-process reference backend, but the backend came from ${acquired.address.wsUrl}: run without a config (or with --tier local and a reference provider)`,
    );
  }
  const profile = withOverrides(
    paceOverride ?? (acquired.ok ? acquired.tierProfile : undefined) ?? PROFILES.local,
    options,
  );
  const stopOnSignal = () => {
    void acquired.release().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const seed = options.seed ?? randomSeed();
  let results: CheckResult[];
  let problem: string | undefined;
  let server: { name: string; version: string } | undefined;
  let capabilities: string[] = [];
  let agUiUrl: string | undefined;
  try {
    if (!acquired.ok) {
      problem = acquired.problem;
      results = skippedResults(checks, `not run: ${acquired.problem}`);
    } else {
      const tokens = createTokenFactory(acquired.jwtSecret);
      const reference = acquired.reference;
      try {
        const target =
          protocol === 'ag-ui'
            ? await agUiPreflight(
                acquired.address,
                options.target ? acquired.address.wsUrl : undefined,
                acquired.withToken !== false,
              )
            : await preflight(acquired.address, tokens);
        server = target.ready.server;
        if (target.readyMissing)
          process.stderr.write(`agentwire: warning: the target ${target.readyMissing}\n`);
        capabilities = [...target.capabilities];
        agUiUrl = target.agUi?.url;
        const progress = new TerminalProgress(checks.length, agUiUrl ?? acquired.address.wsUrl);
        results = await runChecks(checks, {
          target,
          tokens,
          profile,
          observer: progress,
          seed,
          // The drain checks shut an instance down: they get their own two, with the very same options.
          ...(reference
            ? {
                disposableTarget: () =>
                  startDrainablePair({ ...reference.options, jwtSecret: reference.jwtSecret }),
              }
            : {}),
        });
      } catch (error) {
        if (!(error instanceof TargetUnavailableError)) throw error;
        problem = error.message;
        results = skippedResults(checks, `not run: ${error.message}`);
      }
    }
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await acquired.release();
  }

  const report: RunReport = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    profile: protocol,
    target: acquired.ok
      ? {
          ws_url: acquired.address.wsUrl,
          http_url: acquired.address.httpUrl,
          mode: acquired.mode,
          ...(agUiUrl ? { ag_ui_url: agUiUrl } : {}),
          ...(server ? { server } : {}),
        }
      : { ws_url: acquired.where, http_url: acquired.where, mode: 'none' },
    capabilities,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - clock),
    settings: {
      execution_profile: profile.name,
      concurrency: profile.concurrency,
      check_timeout_ms: profile.checkTimeoutMs,
      retries: profile.retries,
      spacing_ms: profile.spacingMs,
      min_executed: options.minExecuted,
      ...(options.maxUnsupported === undefined ? {} : { max_unsupported: options.maxUnsupported }),
      ...(required ? { required } : {}),
      allow_skip: Boolean(options.allowSkip),
      seed,
      ...(faults.length ? { faults } : {}),
    },
    summary: summarise(results),
    checks: results,
    ...(problem ? { problem } : {}),
    ...(acquired.environment ? { environment: acquired.environment } : {}),
  };
  const verdict = verdictOf(report, options.allowSkip);
  if (verdict.problem && !report.problem) report.problem = verdict.problem;
  const secrets = acquired.ok && acquired.jwtSecret ? [acquired.jwtSecret] : [];
  try {
    await writeReports(options.reportDir, report, secrets);
  } catch (error) {
    if (error instanceof ReportWriteError) throw new CliError('AW_REPORT_WRITE', error.message, 2);
    throw error;
  }
  const notChecked = verdict.problem ?? problem;
  if (options.json) process.stdout.write(redactText(renderJson(report), secrets));
  else process.stdout.write(redactText(renderSummary(report, notChecked), secrets));
  if (!acquired.ok) {
    process.stderr.write(
      `agentwire: ${acquired.problem}\n${acquired.reasons.map((reason) => `  - ${reason}`).join('\n')}\n`,
    );
  } else if (verdict.problem) {
    process.stderr.write(`agentwire: ${redactText(verdict.problem, secrets)}\n`);
  }
  if (options.allowSkip && verdict.exitCode === ExitCode.ok && report.summary.executed === 0) {
    process.stderr.write(
      `agentwire: --allow-skip: exiting 0 although none of ${report.summary.total} checks executed (${report.summary.skipped} skipped)\n`,
    );
  }
  return verdict.exitCode;
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
