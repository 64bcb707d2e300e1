/**
 * The execution profile each environment tier calls for: a row of the one table of execution
 * profiles (src/runner/profile.ts), so the `local` tier's profile is `--pace local`'s. Data
 * only; the runner applies them and the report shows them.
 */
import type { ProfileOverride } from '../config/index.js';
import { EXECUTION_PROFILES, type ExecutionProfile } from '../runner/profile.js';
import type { TierName } from './types.js';

/** The runner's execution profile. */
export type TierProfile = ExecutionProfile;

export const TIER_PROFILES = {
  docker: EXECUTION_PROFILES.docker_local,
  local: EXECUTION_PROFILES.local,
  staging: EXECUTION_PROFILES.staging,
} as const satisfies Record<TierName, TierProfile>;

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

/**
 * TEST_MODE's value for a profile. Existing suites compare it with the words of earlier
 * versions, where the staging tier's profile was called `staging_fallback`.
 */
export function testModeOf(profile: TierProfile): string {
  return profile.name === EXECUTION_PROFILES.staging.name ? 'staging_fallback' : profile.name;
}
