/**
 * Where a run sends its checks. An explicit target names the server directly; otherwise the
 * environment tiers resolve the backend (the in-process reference backend when there is no
 * config file) and every decision they made travels with the target into the report.
 * `acquireTarget` is separate from running checks: a monitor or a repeat loop acquires once and
 * runs the suite many times, then disposes of the target (`await using`, or `release()`).
 */
import type { ClientTransport, TokenSource } from '../client/index.js';
import { ConfigError } from '../config/index.js';
import { ErrorCode, usageError } from '../errors.js';
import type { TargetAddress } from '../runner/index.js';
// Only what planning needs is loaded up front: the tiers themselves (Docker, probes, providers)
// load when a target is acquired from them.
import { formatDecision } from '../tiers/decision-log.js';
import { type TierError, TierErrorCode } from '../tiers/errors.js';
import type { Decision, ReferenceServerOptions, Resolution, TierName } from '../tiers/index.js';
import { parseTierList } from '../tiers/tier-list.js';
import { describeResolution, type EnvironmentDescription } from './environment.js';
import type { RunPlan } from './plan.js';
import { protocolAdapter } from './protocols.js';

/** The Origin the in-process reference backend allows, so the Origin checks run against it. */
export const EMBEDDED_ALLOWED_ORIGIN = 'http://localhost:3000';

/** What `acquireTarget` needs: where the plan says the target is, and how to find it. */
export interface TargetRequest {
  protocol: RunPlan['protocol'];
  target?: URL;
  httpUrl?: URL;
  jwtSecret?: string;
  /** Tokens from a private key or a command instead of the HS256 secret. */
  tokenSource?: TokenSource;
  transport?: ClientTransport;
  allowedOrigin?: string;
  config?: string;
  tier?: string;
  requireTier?: TierName;
  /** false: try only the first tier. */
  fallback?: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Extra options for the in-process reference backend (faults). */
  referenceServer?: ReferenceServerOptions;
  /**
   * The resolved backend may come without a JWT secret (a test runner's environment, whose
   * sessions use the tier's ready-made token when there is one). The checks mint tokens for many
   * users, so runSuite refuses such a target.
   */
  secretOptional?: boolean;
}

export interface AcquireObserver {
  /** Each environment decision as it is made (tier tried, probe, chosen). */
  onDecision?(decision: Decision, line: string): void;
}

export interface AcquireOptions {
  observer?: AcquireObserver;
  signal?: AbortSignal;
  /** Stop what resolution started on process exit and signals too (default true). */
  watchProcess?: boolean;
}

interface TargetBase extends AsyncDisposable {
  /** report.json's `environment`: the decision log and what was chosen. */
  environment?: EnvironmentDescription;
  /** Stops whatever was started for this target; safe to call twice. */
  release(): Promise<void>;
}

export type AcquiredTarget =
  | (TargetBase & {
      ok: true;
      protocol: RunPlan['protocol'];
      address: TargetAddress;
      jwtSecret: string;
      /** Where tokens come from when not from `jwtSecret` (then an empty string). */
      tokenSource?: TokenSource;
      /** false when requests go without a token (an external AG-UI endpoint without a secret). */
      withToken: boolean;
      /** The tier's ready-made token, when there is no secret (only with `secretOptional`). */
      token?: string;
      mode: 'embedded' | 'external';
      /** Set when the backend is the reference backend started in this process. */
      reference?: { options: ReferenceServerOptions; jwtSecret: string };
      /** The execution profile the resolved tiers call for (absent for an explicit target). */
      tierProfile?: Extract<Resolution, { status: 'resolved' }>['profile'];
    })
  | (TargetBase & {
      ok: false;
      protocol: RunPlan['protocol'];
      /** The AW_* code of the problem. */
      code: string;
      problem: string;
      reasons: string[];
      where: string;
    });

/** Usage errors, found before anything is started or written. */
export function checkTargetRequest(request: TargetRequest): void {
  if (request.target) {
    protocolAdapter(request.protocol).externalTarget(request, request.target);
    return;
  }
  tierListOf(request);
}

function tierListOf(request: TargetRequest): TierName[] | undefined {
  try {
    return request.tier ? parseTierList(request.tier) : undefined;
  } catch (error) {
    throw usageError(TierErrorCode.unknownTier, (error as TierError).message);
  }
}

type WithoutDispose<T> = T extends unknown ? Omit<T, typeof Symbol.asyncDispose> : never;

/** Adds `[Symbol.asyncDispose]` (= release) to a target. */
export function disposable(target: WithoutDispose<AcquiredTarget>): AcquiredTarget {
  return Object.assign(target, { [Symbol.asyncDispose]: () => target.release() });
}

/**
 * The target a plan asks for: the explicit URL, or the backend the environment tiers resolve
 * (started here when the tier says so). A target that cannot be had is `ok: false` with the
 * reasons, so the run can still report every check as skipped; bad options throw an
 * AgentwireError (exit code 64).
 */
export async function acquireTarget(
  plan: RunPlan | TargetRequest,
  options: AcquireOptions = {},
): Promise<AcquiredTarget> {
  const request = 'request' in plan ? plan.request : plan;
  const adapter = protocolAdapter(request.protocol);
  if (request.target) return adapter.externalTarget(request, request.target);
  const tiers = tierListOf(request);
  let resolution: Resolution;
  try {
    const { resolveEnvironment } = await import('../tiers/resolve-environment.js');
    resolution = await resolveEnvironment({
      cwd: request.cwd,
      configPath: request.config,
      tiers,
      requireTier: request.requireTier,
      noFallback: request.fallback === false,
      env: request.env,
      ...(options.signal ? { signal: options.signal } : {}),
      watchProcess: options.watchProcess ?? true,
      referenceServer: {
        // An --allowed-origin is allowed by the embedded backend too, so the Origin checks use it.
        allowedOrigins: [
          EMBEDDED_ALLOWED_ORIGIN,
          ...(request.allowedOrigin && request.allowedOrigin !== EMBEDDED_ALLOWED_ORIGIN
            ? [request.allowedOrigin]
            : []),
        ],
        logLevel: 'silent',
        ...request.referenceServer,
      },
      onDecision: (decision) => options.observer?.onDecision?.(decision, formatDecision(decision)),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.code, error.message);
    throw error;
  }
  const environment = describeResolution(resolution);
  const release = () => resolution.release();
  const protocol = request.protocol;

  if (resolution.status === 'unresolved') {
    return disposable({
      ok: false,
      protocol,
      code: resolution.code,
      problem: `${resolution.code}: ${resolution.message}`,
      reasons: resolution.reasons,
      where: `no environment (tried ${resolution.order.join(', ')})`,
      environment,
      release,
    });
  }
  const backend = resolution.services.backend?.endpoint;
  if (backend?.service !== 'backend') {
    await release();
    return disposable({
      ok: false,
      protocol,
      code: ErrorCode.AW_ENV_NO_BACKEND,
      problem: `${ErrorCode.AW_ENV_NO_BACKEND}: the config declares no backend service, so there is nothing to check: add services.backend to the config (see docs/environment.md)`,
      reasons: ['add services.backend to the config (see docs/environment.md)'],
      where: 'no backend',
      environment,
      release,
    });
  }
  // Conformance checks sign tokens for many users and break them on purpose, so they need the
  // secret; a ready-made token is enough for probes only.
  const jwtSecret =
    request.jwtSecret ??
    (backend.auth.kind === 'secret' ? backend.auth.secret : request.env.AGENTWIRE_JWT_SECRET);
  const token = !jwtSecret && backend.auth.kind === 'token' ? backend.auth.token : undefined;
  if (!jwtSecret && !request.tokenSource && !request.secretOptional) {
    await release();
    return disposable({
      ok: false,
      protocol,
      code: ErrorCode.AW_ENV_NO_SECRET,
      problem: `${ErrorCode.AW_ENV_NO_SECRET}: the backend from ${resolution.services.backend!.tier} gives no JWT secret, and the checks must mint tokens for many users: set jwtSecretEnv on the backend in the config and export that variable, or pass --jwt-secret / AGENTWIRE_JWT_SECRET`,
      reasons: [
        'set jwtSecretEnv on the backend in the config and export that variable, or pass --jwt-secret / AGENTWIRE_JWT_SECRET',
      ],
      where: backend.wsUrl,
      environment,
      release,
    });
  }
  const allowedOrigin = request.allowedOrigin ?? backend.allowedOrigin;
  return disposable({
    ok: true,
    protocol,
    address: {
      wsUrl: backend.wsUrl,
      httpUrl: request.httpUrl ? request.httpUrl.toString().replace(/\/$/, '') : backend.httpUrl,
      ...(allowedOrigin ? { allowedOrigin } : {}),
      ...(request.transport ? { transport: request.transport } : {}),
    },
    jwtSecret: request.tokenSource ? '' : (jwtSecret ?? ''),
    ...(request.tokenSource ? { tokenSource: request.tokenSource } : {}),
    withToken: Boolean(request.tokenSource || jwtSecret || token),
    ...(token && !request.tokenSource ? { token } : {}),
    mode: backend.reference ? 'embedded' : 'external',
    ...(backend.reference && jwtSecret ? { reference: { options: backend.reference, jwtSecret } } : {}),
    tierProfile: resolution.profile,
    environment,
    release,
  });
}

/** Options that only make sense when the tiers resolve the backend. */
export function refuseTierOptions(request: TargetRequest): void {
  const clashing = [
    request.config && '--config',
    request.tier && '--tier',
    request.requireTier && '--require-tier',
    request.fallback === false && '--no-fallback',
  ].filter(Boolean);
  if (clashing.length) {
    throw usageError(
      ErrorCode.AW_TARGET_AND_TIERS,
      `--target checks that URL directly, so ${clashing.join(', ')} cannot apply: drop --target to resolve the environment, or drop ${clashing.join(', ')}`,
    );
  }
}

/** http(s) base of a ws(s) URL: same host and port, for /health. */
export function httpBaseOf(wsUrl: URL): string {
  return `${wsUrl.protocol === 'wss:' ? 'https:' : 'http:'}//${wsUrl.host}`;
}
