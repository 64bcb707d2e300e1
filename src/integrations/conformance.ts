/**
 * Conformance checks as a test runner's own tests: the suite library runs the selected checks
 * once (`runSuite`, started when the test file's checks begin), each test waits for its check's
 * result, and a failed result becomes a message that carries the check's evidence.
 */

import { AgentwireError, ErrorCode } from '../errors.js';
import {
  type CheckResult,
  checkFailureMessage,
  type ExecutionProfile,
  planRun,
  type RunPlan,
  runSuite,
  sharedTarget,
} from '../suite/index.js';
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

/** The run of the selected checks; a glob that selects nothing is an error, never an empty green suite. */
export function conformancePlan(options: ConformanceSelection & ConformanceSettings = {}): RunPlan {
  let plan: RunPlan;
  try {
    plan = planRun({
      ...(options.checks ? { checks: options.checks } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  } catch (error) {
    if (error instanceof AgentwireError && error.code === ErrorCode.AW_NO_CHECKS)
      throw new Error(
        `agentwire conformance: checks "${options.checks}" match no check: list them with \`agentwire run --list\``,
      );
    throw error;
  }
  return options.profile ? { ...plan, pace: options.profile } : plan;
}

/** The checks of one plan under way against the environment. */
export interface ConformanceRun {
  /** Resolves once the checks are under way; rejects when the target could not be checked at all. */
  readonly started: Promise<void>;
  /** The result of one check of the plan, when it is in. */
  result(checkId: string): Promise<CheckResult>;
  /** Stops the checks still running and waits for the run to end. */
  stop(): Promise<void>;
}

/** Starts the plan's checks against the environment (one runSuite, preflight first). */
export function startConformance(environment: AepEnvironment, plan: RunPlan): ConformanceRun {
  if (!environment.jwtSecret)
    throw new AepEnvironmentError(
      ErrorCode.AW_ENV_NO_SECRET,
      `${ErrorCode.AW_ENV_NO_SECRET}: conformance checks mint tokens for many users, but the backend from the ${environment.tier} tier gives no JWT secret: set jwtSecretEnv on the backend in the config, or AGENTWIRE_JWT_SECRET`,
    );
  const target = sharedTarget({
    wsUrl: environment.wsUrl,
    httpUrl: environment.httpUrl,
    ...(environment.allowedOrigin ? { allowedOrigin: environment.allowedOrigin } : {}),
    jwtSecret: environment.jwtSecret,
    mode: environment.mode,
    // The drain checks shut an instance down: they get their own two, with the same options.
    ...(environment.reference ? { reference: environment.reference } : {}),
    profile: environment.profile,
  });
  const results = new Map(plan.checks.map((check) => [check.id, settled<CheckResult>()]));
  const started = settled<void>();
  let anyStarted = false;
  const controller = new AbortController();
  const finished = runSuite(plan, target, {
    signal: controller.signal,
    observer: {
      onCheckStart() {
        anyStarted = true;
        started.resolve();
      },
      onCheckEnd(result) {
        results.get(result.id)?.resolve(result);
      },
    },
  }).then(
    (report) => {
      // No check began and every one was skipped for the problem: the target could not be checked.
      if (!anyStarted && report.problem && report.checks.every((check) => check.status === 'skipped'))
        started.reject(new Error(`agentwire conformance: ${report.problem}`));
      started.resolve();
      for (const result of report.checks) results.get(result.id)?.resolve(result);
    },
    (error: unknown) => {
      started.reject(error);
      for (const result of results.values()) result.reject(error);
    },
  );
  return {
    started: started.promise,
    result(checkId) {
      const result = results.get(checkId);
      if (!result) throw new Error(`agentwire conformance: ${checkId} is not one of the selected checks`);
      return result.promise;
    },
    async stop() {
      controller.abort();
      await finished;
    },
  };
}

/** A failed check as the message of a failing test: rule, reason, seed and the evidence frames. */
export function failureMessage(result: CheckResult, seed: number, secrets: readonly string[] = []): string {
  return checkFailureMessage(result, seed, secrets);
}

/** A promise settled from outside; a rejection nobody waits for is not an unhandled one. */
function settled<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
