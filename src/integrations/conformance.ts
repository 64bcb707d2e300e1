/**
 * Conformance checks one at a time, for a test runner that shows each check as one of its own
 * tests: select by id glob, preflight the environment once, run a check, and turn a failed
 * result into a message that carries the check's evidence.
 */

import { AEP_CHECKS, type Check, selectChecks, type TargetInfo, type TokenFactory } from '../checks/index.js';
import { ErrorCode } from '../errors.js';
import { evidenceLines } from '../report/evidence-lines.js';
import { redactText } from '../report/index.js';
import {
  type CheckResult,
  createTokenFactory,
  type ExecutionProfile,
  PROFILES,
  preflight,
  runChecks,
} from '../runner/index.js';
import { startDrainablePair } from '../server/index.js';
import { type AepEnvironment, AepEnvironmentError } from './environment.js';

export interface ConformanceSelection {
  /** Check id globs, comma-separated, as `agentwire run --checks` (e.g. "R-5.*", "R-2.2/*,R-6.1/*"). */
  checks?: string;
}

export interface ConformanceSettings {
  /** Execution profile override (default: the one the environment's tier calls for). */
  profile?: ExecutionProfile;
  /** Seed for generated input (fuzzing); random when omitted, shown in every failure. */
  seed?: number;
}

/** The selected checks; a glob that selects nothing is an error, never an empty green suite. */
export function conformanceChecks(selection: ConformanceSelection = {}): Check[] {
  const checks = selectChecks(AEP_CHECKS, selection.checks);
  if (checks.length === 0)
    throw new Error(
      `agentwire conformance: checks "${selection.checks}" match no check: list them with \`agentwire run --list\``,
    );
  return checks;
}

export interface ConformanceRunner {
  readonly seed: number;
  /** Per-check time budget a runner should allow a test (timeout × attempts, plus slack). */
  readonly testTimeoutMs: number;
  run(check: Check): Promise<CheckResult>;
}

/** Preflights the environment once (proves it speaks AEP/1, learns its capabilities). */
export async function connectConformance(
  environment: AepEnvironment,
  settings: ConformanceSettings = {},
): Promise<ConformanceRunner> {
  if (!environment.jwtSecret)
    throw new AepEnvironmentError(
      ErrorCode.AW_ENV_NO_SECRET,
      `${ErrorCode.AW_ENV_NO_SECRET}: conformance checks mint tokens for many users, but the backend from the ${environment.tier} tier gives no JWT secret: set jwtSecretEnv on the backend in the config, or AGENTWIRE_JWT_SECRET`,
    );
  const tokens: TokenFactory = createTokenFactory(environment.jwtSecret);
  const target: TargetInfo = await preflight(
    {
      wsUrl: environment.wsUrl,
      httpUrl: environment.httpUrl,
      ...(environment.allowedOrigin ? { allowedOrigin: environment.allowedOrigin } : {}),
    },
    tokens,
  );
  const profile = { ...(settings.profile ?? environment.profile ?? PROFILES.local), concurrency: 1 };
  const seed = settings.seed ?? Math.floor(Math.random() * 2 ** 31);
  const reference = environment.reference;
  const secret = environment.jwtSecret;
  return {
    seed,
    testTimeoutMs: profile.checkTimeoutMs * (profile.retries + 1) + 5_000,
    async run(check) {
      const [result] = await runChecks([check], {
        target,
        tokens,
        profile,
        seed,
        // The drain checks shut an instance down: they get their own two, with the same options.
        ...(reference
          ? { disposableTarget: () => startDrainablePair({ ...reference, jwtSecret: secret }) }
          : {}),
      });
      return result!;
    },
  };
}

/** A failed check as the message of a failing test: rule, reason, seed and the evidence frames. */
export function failureMessage(result: CheckResult, seed: number, secrets: readonly string[] = []): string {
  const lines = [
    `${result.id} failed (${result.rules.join(', ')}): ${result.reason ?? 'no reason given'}`,
    // The trimmed evidence; the test runner has no report.json to point the rest to.
    ...evidenceLines(result.evidence).map((line) => `  ${line.replace(' in report.json', ' not shown')}`),
    `  seed ${seed} (repeat with the same seed to replay generated input)`,
  ];
  return redactText(lines.join('\n'), secrets);
}
