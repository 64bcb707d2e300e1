/**
 * A run's plan: which protocol and checks, where the target is, how hard to push it, and what
 * the verdict demands. `planRun` validates options before anything starts or is written; bad
 * input throws an AgentwireError with exit code 64 naming the fix.
 */
import { type Check, selectChecks } from '../checks/index.js';
import type { ClientTransport, TokenSource } from '../client/index.js';
import { ErrorCode, usageError } from '../errors.js';
import { type ExecutionProfile, PROFILES, type ProfileName } from '../runner/index.js';
import { FaultError, faultSetOf } from '../server/faults.js';
import type { TierName } from '../tiers/index.js';
import { protocolAdapter } from './protocols.js';
import { checksOf, type ProtocolName, protocolNamed } from './selection.js';
import { checkTargetRequest, type TargetRequest } from './target.js';

export interface RunOptions {
  /** `aep` (WebSocket, default) or `ag-ui` (HTTP + SSE). */
  protocol?: ProtocolName;
  /** Check this server directly (ws(s):// for AEP/1, http(s)://…/agent for AG-UI); no tiers. */
  target?: string | URL;
  /** Base URL for /health (default: derived from the target). */
  httpUrl?: string | URL;
  /** HS256 secret the target verifies tokens with (default: env AGENTWIRE_JWT_SECRET). */
  jwtSecret?: string;
  /**
   * Where tokens come from instead of a shared secret: a private key the target verifies with its
   * public key, or a command (see `privateKeyTokenSource`, `commandTokenSource`).
   */
  tokenSource?: TokenSource;
  /** Gateway headers and TLS trust for the target (--header, --ca, --insecure). */
  transport?: ClientTransport;
  /** An Origin the target accepts; without it the Origin checks are unsupported. */
  allowedOrigin?: string;
  /** Check id globs, comma-separated; a rule id selects its checks; `!GLOB` excludes. */
  checks?: string;
  minExecuted?: number;
  maxUnsupported?: number;
  /** Globs of checks that must be executed (passed or failed). */
  require?: string;
  /** Execution profile name; default: the resolved tier's (`local` for an explicit target). */
  pace?: string;
  concurrency?: number;
  timeoutMs?: number;
  /** Config file (default: found upward from cwd). */
  config?: string;
  /** Tiers to try, in order: `docker,local,staging`. */
  tier?: string;
  requireTier?: TierName;
  /** false: try only the first tier. */
  fallback?: boolean;
  /** Exit 0 when nothing could be checked (the verdict stays NOT_CHECKED). */
  allowSkip?: boolean;
  /** Seed of generated input; random when omitted. */
  seed?: number;
  /** Faults to inject into the in-process reference backend. */
  faults?: readonly string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface RunPlan {
  protocol: ProtocolName;
  checks: readonly Check[];
  /** Checks the selection left out on purpose, each with why (listed in the report). */
  leftOut: readonly { id: string; reason: string }[];
  required?: string[];
  /** The --pace profile, when one was named. */
  pace?: ExecutionProfile;
  overrides: { concurrency?: number; checkTimeoutMs?: number };
  faults: string[];
  seed: number;
  minExecuted: number;
  maxUnsupported?: number;
  allowSkip: boolean;
  request: TargetRequest;
}

export function planRun(options: RunOptions = {}): RunPlan {
  const protocol = protocolNamed(options.protocol ?? 'aep');
  const adapter = protocolAdapter(protocol);
  const target = urlOf(options.target, '--target');
  const wrongScheme = target && adapter.wrongScheme(target);
  if (wrongScheme) throw usageError(ErrorCode.AW_BAD_TARGET, wrongScheme);
  const { checks, leftOut } = checksOf(adapter.checks, options.checks, Boolean(target));
  const required = options.require
    ? selectChecks(checks, options.require).map((check) => check.id)
    : undefined;
  if (required?.length === 0)
    throw usageError(
      ErrorCode.AW_NO_CHECKS,
      `--require "${options.require}" matches none of the selected checks: see agentwire run --list`,
    );
  const faults = checkedFaults(options.faults ?? []);
  if (options.jwtSecret && options.tokenSource)
    throw usageError(
      ErrorCode.AW_BAD_OPTION,
      `--jwt-secret and ${options.tokenSource.description} both say where tokens come from: keep one`,
    );
  if (faults.length && target)
    throw usageError(
      ErrorCode.AW_FAULT_WITH_TARGET,
      '--fault injects bugs into the in-process reference backend, so it cannot apply to --target: drop one of them',
    );
  const request: TargetRequest = {
    protocol,
    ...(target ? { target } : {}),
    ...(options.httpUrl ? { httpUrl: urlOf(options.httpUrl, '--http-url')! } : {}),
    ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
    ...(options.tokenSource ? { tokenSource: options.tokenSource } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.allowedOrigin ? { allowedOrigin: options.allowedOrigin } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.tier ? { tier: options.tier } : {}),
    ...(options.requireTier ? { requireTier: options.requireTier } : {}),
    ...(options.fallback === false ? { fallback: false } : {}),
    ...(faults.length ? { referenceServer: { faults } } : {}),
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
  };
  checkTargetRequest(request);
  return {
    protocol,
    checks,
    leftOut,
    ...(required ? { required } : {}),
    ...(options.pace === undefined ? {} : { pace: profileNamed(options.pace) }),
    overrides: {
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.timeoutMs ? { checkTimeoutMs: options.timeoutMs } : {}),
    },
    faults,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    minExecuted: options.minExecuted ?? 1,
    ...(options.maxUnsupported === undefined ? {} : { maxUnsupported: options.maxUnsupported }),
    allowSkip: Boolean(options.allowSkip),
    request,
  };
}

/** The execution profile a run uses: --pace, else the tier's, else `local`; then the overrides. */
export function profileOf(plan: RunPlan, tierProfile: ExecutionProfile | undefined): ExecutionProfile {
  return { ...(plan.pace ?? tierProfile ?? PROFILES.local), ...plan.overrides };
}

function profileNamed(name: string): ExecutionProfile {
  const profile = PROFILES[name as ProfileName];
  if (!profile)
    throw usageError(
      ErrorCode.AW_BAD_PACE,
      `unknown --pace "${name}": use one of ${Object.keys(PROFILES).join(', ')}`,
    );
  return profile;
}

/** `--fault` values, validated before anything starts. */
export function checkedFaults(names: readonly string[]): string[] {
  try {
    faultSetOf(names, 'embedded');
  } catch (error) {
    if (error instanceof FaultError) throw usageError(ErrorCode.AW_BAD_FAULT, error.message);
    throw error;
  }
  return [...names];
}

function urlOf(value: string | URL | undefined, flag: string): URL | undefined {
  if (value === undefined) return undefined;
  if (value instanceof URL) return value;
  try {
    return new URL(value);
  } catch {
    throw usageError(ErrorCode.AW_BAD_URL, `${flag} "${value}" is not a URL`);
  }
}
