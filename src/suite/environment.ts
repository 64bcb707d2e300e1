/**
 * The JSON form of an environment resolution: what `env --json` prints and what report.json
 * embeds under `environment` (there with snake_case keys, like the rest of the report).
 */
import type { Resolution } from '../tiers/index.js';

export function describeResolution(resolution: Resolution) {
  const common = {
    order: resolution.order,
    configPath: resolution.configPath ?? null,
    elapsedMs: resolution.elapsedMs,
    decisions: resolution.decisions,
  };
  if (resolution.status === 'unresolved') {
    return {
      status: resolution.status,
      code: resolution.code,
      message: resolution.message,
      reasons: resolution.reasons,
      ...common,
    };
  }
  const services = Object.fromEntries(
    Object.values(resolution.services).map((s) => [
      s.service,
      { tier: s.tier, source: s.source, readyMs: s.readyMs },
    ]),
  );
  return {
    status: resolution.status,
    variables: resolution.printableVariables,
    services,
    profile: resolution.profile,
    tiersUsed: resolution.tiersUsed,
    ...common,
  };
}

export type EnvironmentDescription = ReturnType<typeof describeResolution>;

/**
 * camelCase keys become snake_case, deeply; other keys (environment variable names such as
 * DATABASE_URL, service names) stay as they are.
 */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      /^[a-z][a-zA-Z0-9]*$/.test(key) ? key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : key,
      snakeCaseKeys(inner),
    ]),
  );
}
