/**
 * How hard and how fast a run may push a target: the one table of execution profiles. The
 * runner's named profiles (`--pace`) and the environment tiers' profiles (src/tiers/profiles.ts)
 * are rows of this table, so a profile means the same thing wherever it is chosen. Local targets
 * get a fast profile; a shared staging environment a gentle one (fewer concurrent checks,
 * spacing, a retry, longer timeouts). The scenario checks' flows grow with the concurrency a
 * profile allows.
 */
import type { ScenarioSizing } from '../checks/index.js';

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
  /** How big the scenario checks make their flows; DEFAULT_SCENARIO_SIZING when omitted. */
  scenario?: ScenarioSizing;
}

/**
 * Every execution profile, keyed by its name. Sizing follows concurrency: the in-process or
 * same-machine backend takes 50 sessions of 2 runs, containers on the same machine half that,
 * a shared staging environment 10 sessions of 1 run, a minimal run 3.
 */
export const EXECUTION_PROFILES = {
  local: {
    name: 'local',
    concurrency: 8,
    checkTimeoutMs: 15_000,
    retries: 0,
    spacingMs: 0,
    eventDelayMs: 2,
    scenario: { sessions: 50, runsPerSession: 2, fuzzFrames: 150 },
  },
  docker_local: {
    name: 'docker_local',
    concurrency: 4,
    checkTimeoutMs: 20_000,
    retries: 0,
    spacingMs: 0,
    eventDelayMs: 5,
    scenario: { sessions: 25, runsPerSession: 2, fuzzFrames: 100 },
  },
  staging: {
    name: 'staging',
    concurrency: 2,
    checkTimeoutMs: 30_000,
    retries: 1,
    spacingMs: 250,
    eventDelayMs: 20,
    scenario: { sessions: 10, runsPerSession: 1, fuzzFrames: 60 },
  },
  minimal: {
    name: 'minimal',
    concurrency: 1,
    checkTimeoutMs: 30_000,
    retries: 0,
    spacingMs: 0,
    eventDelayMs: 10,
    scenario: { sessions: 3, runsPerSession: 1, fuzzFrames: 30 },
  },
} as const satisfies Record<string, ExecutionProfile & { scenario: ScenarioSizing }>;

export type ProfileName = keyof typeof EXECUTION_PROFILES;

/** The profiles `--pace` names: every row of the table. */
export const PROFILES: Readonly<Record<ProfileName, ExecutionProfile>> = EXECUTION_PROFILES;

/** Sizes for a profile built by hand without `scenario` (the gentle staging sizes). */
export const DEFAULT_SCENARIO_SIZING: ScenarioSizing = EXECUTION_PROFILES.staging.scenario;
