/**
 * How hard and how fast a run may push a target. Local targets get a fast profile; a shared
 * staging environment gets a gentle one (fewer concurrent checks, spacing, longer timeouts).
 */
export interface ExecutionProfile {
  name: string;
  /** Checks running at once. */
  concurrency: number;
  checkTimeoutMs: number;
  /** Extra attempts for a failed check (a flaky shared environment); 0 locally. */
  retries: number;
  /** Pause before starting each check, so a shared environment is not hammered. */
  spacingMs: number;
  /** delay_ms the checks ask the scripted agent for. */
  eventDelayMs: number;
}

export const PROFILES = {
  local: { name: 'local', concurrency: 8, checkTimeoutMs: 15_000, retries: 0, spacingMs: 0, eventDelayMs: 2 },
  staging: {
    name: 'staging',
    concurrency: 2,
    checkTimeoutMs: 30_000,
    retries: 1,
    spacingMs: 250,
    eventDelayMs: 20,
  },
  minimal: {
    name: 'minimal',
    concurrency: 1,
    checkTimeoutMs: 30_000,
    retries: 0,
    spacingMs: 0,
    eventDelayMs: 10,
  },
} as const satisfies Record<string, ExecutionProfile>;

export type ProfileName = keyof typeof PROFILES;
