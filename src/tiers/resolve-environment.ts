/**
 * Where does each service come from? Tries the tiers in order (config, `--tier`), one batch
 * of services per tier, records every step in the decision log, and either returns endpoints,
 * variables and a profile, or every reason nothing usable was found. Anything started is
 * stopped by `release()`, and also on exit, SIGINT and SIGTERM.
 */
import {
  type AgentwireConfig,
  ConfigError,
  type LoadedConfig,
  loadConfig,
  SERVICE_NAMES,
  validateConfig,
} from '../config/index.js';
import type { TierContext } from './context.js';
import { DecisionLog } from './decision-log.js';
import { resolveDockerTier } from './docker/docker-tier.js';
import { type EnvVariables, environmentVariables, type ResolvedService } from './env-variables.js';
import { TierErrorCode } from './errors.js';
import { resolveLocalTier } from './local/local-tier.js';
import { profileFor, type TierProfile } from './profiles.js';
import { resolveStagingTier } from './staging/staging-tier.js';
import { type StartedResource, Teardown } from './teardown.js';
import type { Attempt, Decision, ReferenceServerOptions, ServiceName, TierName } from './types.js';

export interface ResolveOptions {
  /** Where to search for the config (upward). Default: process.cwd(). */
  cwd?: string;
  /** `--config`: use this file, no search. */
  configPath?: string;
  /** A config loaded already; `null` means "behave as if there is no config file". */
  config?: LoadedConfig | null;
  /** `--tier docker,local`: the order to try; overrides the config's `tiers`. */
  tiers?: readonly TierName[];
  /** `--require-tier T`: only T is tried; anything else is a failure. */
  requireTier?: TierName;
  /** `--no-fallback`: only the first tier of the order is tried. */
  noFallback?: boolean;
  /** Services to resolve; default every service the config declares. */
  services?: readonly ServiceName[];
  /** Default: process.env. Token and secret env vars are read from here. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called for every decision as it is made (live terminal output). */
  onDecision?: (decision: Decision) => void;
  /** Options for the reference backend when the local tier starts it in-process. */
  referenceServer?: ReferenceServerOptions;
  /** Stop what was started on process exit, SIGINT and SIGTERM. Default true. */
  watchProcess?: boolean;
}

interface ResolutionBase {
  /** Every step, in order; secrets are never part of it. */
  decisions: readonly Decision[];
  order: readonly TierName[];
  configPath?: string;
  elapsedMs: number;
  /** Stops everything this resolution started; safe to call more than once. */
  release(): Promise<void>;
  /** What is running on behalf of this resolution (for `up`'s state file). */
  resources(): StartedResource[];
}

export type Resolution =
  | (ResolutionBase & {
      status: 'resolved';
      services: Partial<Record<ServiceName, ResolvedService>>;
      tiersUsed: TierName[];
      /** Per-check timeout, concurrency, retries and spacing for the runner to apply. */
      profile: TierProfile;
      /** Full values, for child processes and `.agentwire/env`. */
      variables: EnvVariables;
      /** Same with passwords in URLs replaced by ***, for printing. */
      printableVariables: EnvVariables;
    })
  | (ResolutionBase & {
      status: 'unresolved';
      code: typeof TierErrorCode.nothingResolved | typeof TierErrorCode.requiredTierUnused;
      /** One line per service and tier tried: why it could not be used. */
      reasons: string[];
      /** Summary for one error line. */
      message: string;
    });

const TIER_RESOLVERS: Record<
  TierName,
  (services: readonly ServiceName[], context: TierContext) => Promise<Attempt[]>
> = {
  docker: resolveDockerTier,
  local: resolveLocalTier,
  staging: resolveStagingTier,
};

export const DEFAULT_TIER_ORDER: readonly TierName[] = ['docker', 'local', 'staging'];

export async function resolveEnvironment(options: ResolveOptions = {}): Promise<Resolution> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const log = new DecisionLog(options.onDecision);
  const loaded =
    options.config === undefined
      ? await loadConfig({ cwd, configPath: options.configPath })
      : (options.config ?? undefined);
  const config = withStagingFromEnv(loaded?.config ?? defaultConfig(), env, log);
  if (!loaded)
    log.add({
      type: 'policy',
      message: 'no agentwire.config.{json,yaml} found: embedded default (reference backend in-process)',
    });
  else if (options.config === undefined) {
    log.add({ type: 'policy', message: `config: ${loaded.path}` });
    if (loaded.shadowed.length)
      log.add({
        type: 'policy',
        message: `warning: ${loaded.shadowed.join(', ')} beside it ${loaded.shadowed.length === 1 ? 'is' : 'are'} ignored: keep one config file, or choose with --config`,
      });
  }

  let order = [...(options.tiers ?? config.tiers ?? DEFAULT_TIER_ORDER)];
  if (options.requireTier) {
    order = [options.requireTier];
    log.add({
      type: 'policy',
      message: `--require-tier ${options.requireTier}: only ${options.requireTier} is tried`,
    });
  } else if (options.noFallback) {
    order = order.slice(0, 1);
    log.add({ type: 'policy', message: `--no-fallback: only ${order[0]} is tried` });
  }
  log.add({ type: 'policy', message: `tier order: ${order.join(', ')}` });

  const wanted = options.services ?? SERVICE_NAMES.filter((name) => config.services[name] !== undefined);
  const teardown = new Teardown(options.watchProcess ?? true);
  const context: TierContext = {
    config,
    baseDir: loaded?.dir ?? cwd,
    env,
    log,
    teardown,
    signal: options.signal,
    referenceServer: options.referenceServer,
  };
  const resolved: Partial<Record<ServiceName, ResolvedService>> = {};
  const reasons = new Map<ServiceName, string[]>(wanted.map((service) => [service, []]));
  const release = async () => {
    const errors = await teardown.run();
    if (errors.length) throw new Error(`could not stop everything: ${errors.join('; ')}`);
  };
  const base = { order, configPath: loaded?.path, release, resources: () => teardown.resources() };

  try {
    for (const tier of order) {
      const pending = wanted.filter((service) => !resolved[service]);
      if (!pending.length) break;
      const candidates: ServiceName[] = [];
      for (const service of pending) {
        if (config.services[service]?.[tier]) {
          candidates.push(service);
        } else {
          const reason = `not configured (no services.${service}.${tier} in ${loaded ? loaded.path : 'the embedded default'})`;
          log.add({ type: 'skipped', service, tier, reason });
          reasons.get(service)!.push(`${tier}: ${reason}`);
        }
      }
      if (!candidates.length || options.signal?.aborted) continue;
      for (const attempt of await TIER_RESOLVERS[tier](candidates, context)) {
        if (attempt.ok) {
          resolved[attempt.service] = {
            service: attempt.service,
            tier,
            source: attempt.source,
            endpoint: attempt.endpoint,
            readyMs: attempt.readyMs,
          };
          const passedOver = reasons.get(attempt.service)!.length;
          log.add({
            type: 'chosen',
            service: attempt.service,
            tier,
            source: attempt.source,
            reason: passedOver
              ? `first usable tier; ${passedOver} earlier option(s) passed over`
              : `first tier in the order, probes passed in ${attempt.readyMs} ms`,
          });
        } else {
          reasons.get(attempt.service)!.push(`${tier}: ${attempt.reason}`);
        }
      }
    }
  } catch (error) {
    await teardown.run();
    throw error;
  }

  const missing = wanted.filter((service) => !resolved[service]);
  if (missing.length || options.signal?.aborted) {
    for (const service of missing) log.add({ type: 'unresolved', service, reasons: reasons.get(service)! });
    await teardown.run();
    const lines = missing.flatMap((service) =>
      reasons.get(service)!.map((reason) => `${service} ← ${reason}`),
    );
    const required = options.requireTier;
    return {
      ...base,
      status: 'unresolved',
      code: required ? TierErrorCode.requiredTierUnused : TierErrorCode.nothingResolved,
      reasons: lines,
      message: required
        ? `--require-tier ${required}: ${missing.join(', ')} could not be provided by ${required}`
        : `no tier could provide ${missing.join(', ')} (tried ${order.join(', ')})`,
      decisions: log.entries,
      elapsedMs: log.elapsedMs(),
    };
  }

  const tiersUsed = [...new Set(Object.values(resolved).map((service) => service.tier))];
  const profile = profileFor(tiersUsed, config.profiles ?? {});
  log.add({
    type: 'policy',
    message: `execution profile ${profile.name}: concurrency ${profile.concurrency}, check timeout ${profile.checkTimeoutMs} ms, retries ${profile.retries}, spacing ${profile.spacingMs} ms`,
  });
  return {
    ...base,
    status: 'resolved',
    services: resolved,
    tiersUsed,
    profile,
    variables: environmentVariables(resolved, profile, { redact: false }),
    printableVariables: environmentVariables(resolved, profile, { redact: true }),
    decisions: log.entries,
    elapsedMs: log.elapsedMs(),
  };
}

/** The embedded default when no config file exists: the reference backend, started locally. */
export function defaultConfig(): AgentwireConfig {
  return validateConfig({ services: { backend: { local: { provider: { type: 'reference' } } } } });
}

/**
 * Migration path for suites written against the older variables: USE_STAGING_FALLBACK=true and
 * STAGING_WEBSOCKET_URL give the backend a staging tier (token from STAGING_AUTH_TOKEN) when the
 * config has none.
 */
export function withStagingFromEnv(
  config: AgentwireConfig,
  env: NodeJS.ProcessEnv,
  log: DecisionLog,
): AgentwireConfig {
  if (env.USE_STAGING_FALLBACK !== 'true') return config;
  const wsUrl = env.STAGING_WEBSOCKET_URL;
  if (!wsUrl) {
    log.add({
      type: 'policy',
      message:
        'USE_STAGING_FALLBACK=true but STAGING_WEBSOCKET_URL is not set: no staging tier from the environment',
    });
    return config;
  }
  if (config.services.backend?.staging) return config;
  const staging = {
    wsUrl,
    tokenEnv: 'STAGING_AUTH_TOKEN',
    ...(env.STAGING_HTTP_URL ? { httpUrl: env.STAGING_HTTP_URL } : {}),
  };
  try {
    const merged = validateConfig({
      ...config,
      services: { ...config.services, backend: { ...config.services.backend, staging } },
    });
    log.add({
      type: 'policy',
      message: 'USE_STAGING_FALLBACK=true: staging tier for backend from STAGING_WEBSOCKET_URL',
    });
    return merged;
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(
        error.code,
        `STAGING_WEBSOCKET_URL is not usable: ${error.problems.map((p) => p.message).join('; ')} (fix: set it to a ws:// or wss:// URL)`,
        undefined,
        error.problems,
      );
    }
    throw error;
  }
}

export { parseTierList } from './tier-list.js';
