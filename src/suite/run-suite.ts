/**
 * One run of the suite against an acquired target: preflight, the checks, the report with its
 * verdict, and the reporters' lifecycle around them. It never touches `process.*` (no exit, no
 * signal handlers, no output of its own): an AbortSignal stops it with a partial report whose
 * verdict is INTERRUPTED (exit code 130).
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Check } from '../checks/index.js';
import { type ClientTransport, headerSecrets } from '../client/index.js';
import { ErrorCode, ExitCode, usageError } from '../errors.js';
import { CONNECT_FAILURE, type Reporter, redactDeep } from '../report/index.js';
import {
  type CheckResult,
  createTokenFactory,
  createTokenFactoryFrom,
  type DisposableTargetFactory,
  INTERRUPTED_REASON,
  RUN_REPORT_SCHEMA_VERSION,
  type RunReport,
  runChecks,
  skippedResults,
  summarise,
  TargetUnavailableError,
  verdictOf,
} from '../runner/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { snakeCaseKeys } from './environment.js';
import { profileOf, type RunPlan } from './plan.js';
import { protocolAdapter } from './protocols.js';
import type { AcquiredTarget } from './target.js';

/** Progress for code that is not a reporter (a monitor, a test runner's own output). */
export interface SuiteObserver {
  onCheckStart?(check: Check): void;
  onCheckEnd?(result: CheckResult): void;
  /** Something the user should know that is not a check result (e.g. the target sent no ready). */
  onWarning?(message: string): void;
}

export interface RunSuiteOptions {
  reporters?: readonly Reporter[];
  observer?: SuiteObserver;
  /** Abort to stop the run: a partial report comes back, verdict INTERRUPTED, exit_code 130. */
  signal?: AbortSignal;
  /**
   * Starts fresh instances of the target's deployment for the checks that need instances of
   * their own (drain, resume and fan-out across instances, crashes): for a caller that can start
   * its server, such as a test harness. Without it those checks are unsupported, except against
   * the in-process reference backend, which starts its own.
   */
  ownInstances?: DisposableTargetFactory;
}

export class ReporterError extends Error {
  constructor(
    readonly reporter: string,
    override readonly cause: unknown,
  ) {
    super(`reporter ${reporter} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ReporterError';
  }
}

/**
 * Runs the plan's checks against the target and returns the report (secrets redacted). Every
 * reporter's onRunEnd runs even when one fails; the first failure is then thrown as a
 * ReporterError. The target stays acquired: dispose of it when done.
 */
export async function runSuite(
  plan: RunPlan,
  target: AcquiredTarget,
  options: RunSuiteOptions = {},
): Promise<RunReport> {
  const reporters = options.reporters ?? [];
  const signal = options.signal;
  if (plan.faults.length && target.ok && !target.reference)
    throw usageError(
      ErrorCode.AW_FAULT_NOT_REFERENCE,
      `--fault needs the in-process reference backend, but the backend came from ${target.address.wsUrl}: run without a config (or with --tier local and a reference provider)`,
    );
  const startedAt = new Date();
  const clock = performance.now();
  const profile = profileOf(plan, target.ok ? target.tierProfile : undefined);
  const adapter = protocolAdapter(plan.protocol);
  const where = target.ok ? (target.address.agUiUrl ?? target.address.wsUrl) : '';
  for (const reporter of reporters)
    await reporter.onRunStart({
      protocol: plan.protocol,
      target: where,
      checks: plan.checks,
      seed: plan.seed,
      executionProfile: profile.name,
    });
  const finished: CheckResult[] = [];
  const observer = {
    onCheckStart(check: Check) {
      for (const reporter of reporters) reporter.onCheckStart?.(check);
      options.observer?.onCheckStart?.(check);
    },
    onCheckEnd(result: CheckResult) {
      finished.push(result);
      for (const reporter of reporters) reporter.onCheckEnd(result);
      options.observer?.onCheckEnd?.(result);
    },
  };

  let results: CheckResult[];
  let problem: string | undefined;
  let server: { name: string; version: string } | undefined;
  let capabilities: string[] = [];
  let agUiUrl: string | undefined;
  if (signal?.aborted) {
    results = skippedResults(plan.checks, INTERRUPTED_REASON);
  } else if (!target.ok) {
    problem = target.problem;
    results = skippedResults(plan.checks, `not run: ${target.problem}`);
  } else if (!target.jwtSecret && !target.tokenSource && (target.protocol === 'aep' || target.withToken)) {
    // A target acquired with `secretOptional`: a ready-made token cannot stand in for many users.
    problem = `${ErrorCode.AW_ENV_NO_SECRET}: the target comes without a JWT secret, and the checks must mint tokens for many users: set jwtSecretEnv on the backend in the config and export that variable, or pass --jwt-secret / AGENTWIRE_JWT_SECRET (or --jwt-private-key / --token-command)`;
    results = skippedResults(plan.checks, `not run: ${problem}`);
  } else {
    const tokens = target.tokenSource
      ? createTokenFactoryFrom(target.tokenSource)
      : createTokenFactory(target.jwtSecret);
    const reference = target.reference;
    // The drain checks shut an instance down: against the reference backend they get their own
    // two, with the very same options (its server code loads only for those checks).
    const ownInstances =
      options.ownInstances ??
      (reference
        ? async () =>
            (await import('../server/server.js')).startDrainablePair({
              ...reference.options,
              jwtSecret: reference.jwtSecret,
            })
        : undefined);
    try {
      const info = await adapter.preflight(target, tokens);
      server = info.ready.server;
      if (info.readyMissing) options.observer?.onWarning?.(`the target ${info.readyMissing}`);
      capabilities = [...info.capabilities];
      agUiUrl = info.agUi?.url;
      results = await runChecks(plan.checks, {
        target: info,
        tokens,
        profile,
        observer,
        seed: plan.seed,
        ...(signal ? { signal } : {}),
        ...(ownInstances ? { disposableTarget: ownInstances } : {}),
      });
    } catch (error) {
      if (!(error instanceof TargetUnavailableError)) throw error;
      problem = error.message;
      results = skippedResults(plan.checks, `not run: ${error.message}`);
    }
  }
  const interrupted = Boolean(signal?.aborted);
  const targetLost = target.ok && !interrupted ? await lostTarget(target, finished) : undefined;

  const report: RunReport = {
    schema_version: RUN_REPORT_SCHEMA_VERSION,
    verdict: 'NOT_CHECKED',
    exit_code: ExitCode.notChecked,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    profile: plan.protocol,
    target: target.ok
      ? {
          ws_url: target.address.wsUrl || (target.address.agUiUrl ?? ''),
          http_url: target.address.httpUrl,
          mode: target.mode,
          ...(agUiUrl ? { ag_ui_url: agUiUrl } : {}),
          ...(server ? { server } : {}),
          auth: target.tokenSource?.description ?? (target.withToken ? 'HS256 shared secret' : 'none'),
          ...tlsOf(target.address.transport),
          ...(target.address.transport?.headers
            ? { headers: Object.keys(target.address.transport.headers) }
            : {}),
        }
      : { ws_url: target.where, http_url: target.where, mode: 'none' },
    capabilities,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - clock),
    settings: {
      execution_profile: profile.name,
      concurrency: profile.concurrency,
      check_timeout_ms: profile.checkTimeoutMs,
      retries: profile.retries,
      spacing_ms: profile.spacingMs,
      min_executed: plan.minExecuted,
      ...(plan.maxUnsupported === undefined ? {} : { max_unsupported: plan.maxUnsupported }),
      ...(plan.required ? { required: plan.required } : {}),
      allow_skip: plan.allowSkip,
      seed: plan.seed,
      ...(plan.faults.length ? { faults: plan.faults } : {}),
    },
    summary: summarise(results),
    checks: results,
    ...(problem ? { problem } : {}),
    ...(targetLost ? { target_lost: targetLost } : {}),
    ...(plan.leftOut.length ? { left_out: [...plan.leftOut] } : {}),
    ...(target.environment
      ? { environment: snakeCaseKeys(target.environment) as Record<string, unknown> }
      : {}),
  };
  const verdict = verdictOf(report, plan.allowSkip, interrupted);
  if (verdict.problem && !report.problem) report.problem = verdict.problem;
  report.verdict = verdict.word;
  report.exit_code = verdict.exitCode;
  const safe = redactDeep(report, [
    ...(target.ok && target.jwtSecret ? [target.jwtSecret] : []),
    ...(target.ok ? headerSecrets(target.address.transport) : []),
  ]);

  let failure: ReporterError | undefined;
  for (const reporter of reporters) {
    try {
      await reporter.onRunEnd(safe);
    } catch (error) {
      failure ??= new ReporterError(reporter.name, error);
    }
  }
  if (failure) throw failure;
  return safe;
}

/** report.target.tls: set for wss:// and https:// targets, `insecure: true` named loudly. */
function tlsOf(transport: ClientTransport | undefined): { tls?: { insecure: boolean; ca?: boolean } } {
  const tls = transport?.tls;
  if (!tls?.ca && !tls?.insecure) return {};
  return { tls: { insecure: Boolean(tls.insecure), ...(tls.ca ? { ca: true } : {}) } };
}

/**
 * When checks failed to connect and the target no longer accepts connections: the check after
 * which it stopped answering and how many checks could not connect.
 */
async function lostTarget(
  target: Extract<AcquiredTarget, { ok: true }>,
  finished: readonly CheckResult[],
): Promise<{ after: string; checks: number } | undefined> {
  const refused = finished.filter(
    (result) => result.status === 'failed' && CONNECT_FAILURE.test(result.reason ?? ''),
  );
  if (refused.length < 2) return undefined;
  if (await accepts(target.address.wsUrl || target.address.httpUrl)) return undefined;
  const first = finished.indexOf(refused[0]!);
  const before = finished.slice(0, first).filter((result) => !refused.includes(result));
  return { after: before.at(-1)?.id ?? 'the preflight', checks: refused.length };
}

function accepts(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  const port = Number(parsed.port || (secure ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname.replace(/^\[|\]$/g, ''), port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
