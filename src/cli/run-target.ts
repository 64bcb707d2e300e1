/**
 * Where `agentwire run` sends its checks. `--target` names the server directly; otherwise the
 * environment tiers resolve the backend (the in-process reference backend when there is no
 * config file) and every decision they made travels with the run into the terminal and the report.
 */
import { ConfigError } from '../config/index.js';
import type { TargetAddress } from '../runner/index.js';
import {
  formatDecision,
  parseTierList,
  type ReferenceServerOptions,
  type Resolution,
  resolveEnvironment,
  type TierError,
  TierErrorCode,
  type TierName,
} from '../tiers/index.js';
import { describeResolution } from './env-commands.js';
import { usageError } from './errors.js';
import { httpBaseOf } from './options.js';

/** The Origin the in-process reference backend allows, so the Origin checks run against it. */
export const EMBEDDED_ALLOWED_ORIGIN = 'http://localhost:3000';

export interface TargetRequest {
  target?: URL;
  httpUrl?: URL;
  jwtSecret?: string;
  allowedOrigin?: string;
  config?: string;
  tier?: string;
  requireTier?: TierName;
  /** false when --no-fallback was given. */
  fallback?: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives each environment decision as it is made. */
  onDecisionLine?: (line: string) => void;
  /** Extra options for the in-process reference backend. */
  referenceServer?: ReferenceServerOptions;
}

interface TargetBase {
  /** report.json's `environment`: the decision log and what was chosen. */
  environment?: ReturnType<typeof describeResolution>;
  /** Stops whatever was started for this run; safe to call twice. */
  release(): Promise<void>;
}

export type AcquiredTarget =
  | (TargetBase & {
      ok: true;
      address: TargetAddress;
      jwtSecret: string;
      /** false when requests go without a token (an external AG-UI endpoint without a secret). */
      withToken?: boolean;
      mode: 'embedded' | 'external';
      /** Set when the backend is the reference backend started in this process. */
      reference?: { options: ReferenceServerOptions; jwtSecret: string };
      /** The execution profile the resolved tiers call for (absent with --target). */
      tierProfile?: Extract<Resolution, { status: 'resolved' }>['profile'];
    })
  | (TargetBase & { ok: false; problem: string; reasons: string[]; where: string });

/** Usage errors, found before anything is started or written. */
export function checkTargetRequest(request: TargetRequest): void {
  if (request.target) {
    externalTarget(request, request.target);
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

export async function acquireTarget(request: TargetRequest): Promise<AcquiredTarget> {
  if (request.target) return externalTarget(request, request.target);
  const tiers = tierListOf(request);
  let resolution: Resolution;
  try {
    resolution = await resolveEnvironment({
      cwd: request.cwd,
      configPath: request.config,
      tiers,
      requireTier: request.requireTier,
      noFallback: request.fallback === false,
      env: request.env,
      referenceServer: {
        allowedOrigins: [EMBEDDED_ALLOWED_ORIGIN],
        logLevel: 'silent',
        ...request.referenceServer,
      },
      onDecision: (decision) => request.onDecisionLine?.(formatDecision(decision)),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.code, error.message);
    throw error;
  }
  const environment = describeResolution(resolution);
  const release = () => resolution.release();

  if (resolution.status === 'unresolved') {
    return {
      ok: false,
      problem: `${resolution.code}: ${resolution.message}`,
      reasons: resolution.reasons,
      where: `no environment (tried ${resolution.order.join(', ')})`,
      environment,
      release,
    };
  }
  const backend = resolution.services.backend?.endpoint;
  if (backend?.service !== 'backend') {
    await release();
    return {
      ok: false,
      problem: 'AW_ENV_NO_BACKEND: the config declares no backend service, so there is nothing to check',
      reasons: ['add services.backend to the config (see docs/environment.md)'],
      where: 'no backend',
      environment,
      release,
    };
  }
  // Conformance checks sign tokens for many users and break them on purpose, so they need the
  // secret; a ready-made token is enough for probes only.
  const jwtSecret =
    request.jwtSecret ??
    (backend.auth.kind === 'secret' ? backend.auth.secret : request.env.AGENTWIRE_JWT_SECRET);
  if (!jwtSecret) {
    await release();
    return {
      ok: false,
      problem: `AW_ENV_NO_SECRET: the backend from ${resolution.services.backend!.tier} gives no JWT secret, and the checks must mint tokens for many users`,
      reasons: [
        'set jwtSecretEnv on the backend in the config and export that variable, or pass --jwt-secret / AGENTWIRE_JWT_SECRET',
      ],
      where: backend.wsUrl,
      environment,
      release,
    };
  }
  const allowedOrigin = request.allowedOrigin ?? backend.allowedOrigin;
  return {
    ok: true,
    address: {
      wsUrl: backend.wsUrl,
      httpUrl: request.httpUrl ? request.httpUrl.toString().replace(/\/$/, '') : backend.httpUrl,
      ...(allowedOrigin ? { allowedOrigin } : {}),
    },
    jwtSecret,
    mode: backend.reference ? 'embedded' : 'external',
    ...(backend.reference ? { reference: { options: backend.reference, jwtSecret } } : {}),
    tierProfile: resolution.profile,
    environment,
    release,
  };
}

function externalTarget(request: TargetRequest, target: URL): AcquiredTarget {
  const clashing = [
    request.config && '--config',
    request.tier && '--tier',
    request.requireTier && '--require-tier',
    request.fallback === false && '--no-fallback',
  ].filter(Boolean);
  if (clashing.length) {
    throw usageError(
      'AW_TARGET_AND_TIERS',
      `--target checks that URL directly, so ${clashing.join(', ')} cannot apply: drop --target to resolve the environment, or drop ${clashing.join(', ')}`,
    );
  }
  const jwtSecret = request.jwtSecret ?? request.env.AGENTWIRE_JWT_SECRET;
  if (!jwtSecret) {
    throw usageError(
      'AW_MISSING_SECRET',
      'missing JWT secret for --target: pass --jwt-secret S or set AGENTWIRE_JWT_SECRET to the HS256 secret the target verifies tokens with',
    );
  }
  return {
    ok: true,
    address: {
      wsUrl: target.toString(),
      httpUrl: request.httpUrl ? request.httpUrl.toString().replace(/\/$/, '') : httpBaseOf(target),
      ...(request.allowedOrigin ? { allowedOrigin: request.allowedOrigin } : {}),
    },
    jwtSecret,
    mode: 'external',
    release: async () => {},
  };
}
