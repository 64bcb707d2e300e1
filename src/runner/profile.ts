/**
 * How hard and how fast a run may push a target. Local targets get a fast profile; a shared
 * staging environment gets a gentle one (fewer concurrent checks, spacing, longer timeouts).
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

/** Moderate sizes for profiles that do not say (e.g. an environment tier's). */
export const DEFAULT_SCENARIO_SIZING: ScenarioSizing = { sessions: 10, runsPerSession: 1, fuzzFrames: 60 };

export const PROFILES = {
  local: {
    name: 'local',
    concurrency: 8,
    checkTimeoutMs: 15_000,
    retries: 0,
    spacingMs: 0,
    eventDelayMs: 2,
    scenario: { sessions: 50, runsPerSession: 2, fuzzFrames: 150 },
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
} as const satisfies Record<string, ExecutionProfile>;

export type ProfileName = keyof typeof PROFILES;
