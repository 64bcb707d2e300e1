/**
 * Execution profiles: how hard a run may push the environment it got. Data only; the runner
 * applies them and the report shows them. A shared staging environment gets few concurrent
 * checks, spacing between them and a retry; local targets run fast.
 */
import type { ProfileOverride } from '../config/index.js';
import type { ExecutionProfile } from '../runner/profile.js';
import type { TierName } from './types.js';

/** The runner's execution profile; a tier's `name` is also exported as TEST_MODE. */
export type TierProfile = ExecutionProfile;

export const TIER_PROFILES = {
  docker: {
    name: 'docker_local',
    concurrency: 4,
    checkTimeoutMs: 20_000,
    retries: 0,
    spacingMs: 0,
    eventDelayMs: 5,
  },
  local: { name: 'local', concurrency: 8, checkTimeoutMs: 15_000, retries: 0, spacingMs: 0, eventDelayMs: 2 },
  staging: {
    name: 'staging_fallback',
    concurrency: 2,
    checkTimeoutMs: 30_000,
    retries: 1,
    spacingMs: 250,
    eventDelayMs: 20,
  },
} as const satisfies Record<TierName, TierProfile>;

export const MINIMAL_PROFILE: TierProfile = {
  name: 'minimal',
  concurrency: 1,
  checkTimeoutMs: 30_000,
  retries: 0,
  spacingMs: 0,
  eventDelayMs: 10,
};

/** Gentlest first: one service on staging makes the whole run staging-paced. */
const GENTLENESS: readonly TierName[] = ['staging', 'docker', 'local'];

export function profileFor(
  tiersUsed: Iterable<TierName>,
  overrides: Partial<Record<TierName, ProfileOverride>> = {},
): TierProfile {
  const used = new Set(tiersUsed);
  const tier = GENTLENESS.find((t) => used.has(t)) ?? 'local';
  const override = Object.fromEntries(
    Object.entries(overrides[tier] ?? {}).filter(([, v]) => v !== undefined),
  );
  return { ...TIER_PROFILES[tier], ...override };
}
