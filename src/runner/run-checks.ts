/**
 * Runs checks against one target with a concurrency limit, a per-check timeout and retries.
 * Every selected check ends with exactly one result: capability gating gives `unsupported`
 * a timeout or a crash gives `failed` with the reason, never a lost check.
 */
import { performance } from 'node:perf_hooks';
import {
  type Check,
  CheckFailure,
  type CheckOutcome,
  type TargetInfo,
  type TokenFactory,
  Unsupported,
} from '../checks/index.js';
import type { Transcript } from '../client/index.js';
import { createCheckContext, type DisposableTargetFactory } from './check-context.js';
import { evidenceOf } from './evidence.js';
import { DEFAULT_SCENARIO_SIZING, type ExecutionProfile } from './profile.js';
import type { CheckResult } from './results.js';

export interface RunObserver {
  onCheckStart?(check: Check): void;
  onCheckEnd?(result: CheckResult): void;
}

export interface RunChecksOptions {
  target: TargetInfo;
  tokens: TokenFactory;
  profile: ExecutionProfile;
  observer?: RunObserver;
  /** Seed for generated input (the fuzzer); a random one when omitted. Record it to repeat a run. */
  seed?: number;
  /** Starts a disposable instance of the target (embedded mode); the drain check needs it. */
  disposableTarget?: DisposableTargetFactory;
  /**
   * Aborting stops the run: no further check starts, checks in flight are cut off, and both
   * end as `skipped` with the reason "interrupted", so the partial results still count them.
   */
  signal?: AbortSignal;
}

export const INTERRUPTED_REASON = 'not run: interrupted';

type SeededOptions = RunChecksOptions & { seed: number };

export async function runChecks(checks: readonly Check[], given: RunChecksOptions): Promise<CheckResult[]> {
  const options = { ...given, seed: given.seed ?? Math.floor(Math.random() * 2 ** 31) };
  const results = new Array<CheckResult>(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const index = next++;
      const check = checks[index]!;
      if (options.profile.spacingMs > 0) await delay(options.profile.spacingMs);
      if (options.signal?.aborted) {
        results[index] = skippedResults([check], INTERRUPTED_REASON)[0]!;
        continue;
      }
      options.observer?.onCheckStart?.(check);
      const result = await runWithRetries(check, options);
      results[index] = result;
      options.observer?.onCheckEnd?.(result);
    }
  };
  const workers = Math.max(1, Math.min(options.profile.concurrency, checks.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/** Results for checks that were not run, each with the reason (counted, never hidden). */
export function skippedResults(checks: readonly Check[], reason: string): CheckResult[] {
  return checks.map((check) => ({
    ...identityOf(check),
    status: 'skipped',
    duration_ms: 0,
    attempts: 0,
    reason,
  }));
}

async function runWithRetries(check: Check, options: SeededOptions): Promise<CheckResult> {
  const started = performance.now();
  let attempts = 0;
  let outcome: CheckOutcome;
  do {
    attempts++;
    outcome = await runOnce(check, options);
  } while (outcome.status === 'failed' && attempts <= options.profile.retries && !options.signal?.aborted);
  const duration_ms = Math.round(performance.now() - started);
  const base = { ...identityOf(check), duration_ms, attempts };
  switch (outcome.status) {
    case 'passed':
      return { ...base, status: 'passed' };
    case 'failed':
      return { ...base, status: 'failed', reason: outcome.reason, evidence: outcome.evidence };
    default:
      return { ...base, status: outcome.status, reason: outcome.reason };
  }
}

async function runOnce(check: Check, options: SeededOptions): Promise<CheckOutcome> {
  const missing = check.requires.filter((capability) => !options.target.capabilities.has(capability));
  if (missing.length > 0) {
    return {
      status: 'unsupported',
      reason: `server does not list capabilit${missing.length > 1 ? 'ies' : 'y'} ${missing.join(', ')}`,
    };
  }
  const timeoutMs = check.timeoutMs ?? options.profile.checkTimeoutMs;
  const scope = createCheckContext(options.target, options.tokens, {
    eventDelayMs: options.profile.eventDelayMs,
    sizing: options.profile.scenario ?? DEFAULT_SCENARIO_SIZING,
    seed: options.seed,
    ...(options.disposableTarget ? { disposableTarget: options.disposableTarget } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const settled = await Promise.race([
      check.run(scope.context).then(() => 'done' as const),
      timeout,
      aborted,
    ]);
    if (settled === 'aborted') {
      scope.abort();
      return { status: 'skipped', reason: INTERRUPTED_REASON };
    }
    if (settled === 'timeout') {
      scope.abort();
      return failed(`timed out after ${timeoutMs} ms`, scope.context.transcript);
    }
    return { status: 'passed' };
  } catch (error) {
    if (options.signal?.aborted) return { status: 'skipped', reason: INTERRUPTED_REASON };
    if (error instanceof Unsupported) return { status: 'unsupported', reason: error.message };
    if (error instanceof CheckFailure) {
      return {
        status: 'failed',
        reason: error.message,
        evidence: evidenceOf(scope.context.transcript, error.details, error.focus),
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return failed(`check could not complete: ${message}`, scope.context.transcript);
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    await scope.dispose();
  }
}

function failed(reason: string, transcript: Transcript): CheckOutcome {
  return { status: 'failed', reason, evidence: evidenceOf(transcript) };
}

function identityOf(check: Check) {
  return { id: check.id, rule: check.rules[0] ?? '', rules: [...check.rules], title: check.title };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
