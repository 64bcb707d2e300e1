/**
 * One probe = one way of proving a service is up. Each kind lives in its own file and
 * implements `Probe`; `runProbe` adds what they all share: per-attempt timeout, retries with
 * exponential backoff, latency, and the last error text.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoint, ProbeResult } from '../types.js';

export interface Probe {
  /** Short description for the decision log, e.g. "redis PING". */
  readonly description: string;
  /** Where the probe looks, secrets removed. */
  target(endpoint: Endpoint): string;
  /** Resolves with what proved the service up; rejects with the reason it is not. */
  attempt(endpoint: Endpoint, signal: AbortSignal): Promise<string>;
}

export interface ProbeTiming {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

const MAX_BACKOFF_MS = 2_000;

/** Quick look at something that should already be running: fail fast. */
export const REUSE_TIMING: ProbeTiming = { timeoutMs: 600, retries: 0, backoffMs: 0 };
/** A service we just started: give it time to come up. */
export const STARTUP_TIMING: ProbeTiming = { timeoutMs: 2_000, retries: 60, backoffMs: 50 };
/** A shared remote environment: patient but few attempts. */
export const REMOTE_TIMING: ProbeTiming = { timeoutMs: 5_000, retries: 2, backoffMs: 500 };

export async function runProbe(
  probe: Probe,
  endpoint: Endpoint,
  timing: ProbeTiming,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const started = performance.now();
  let lastError = 'not attempted';
  let latencyMs = 0;
  let attempts = 0;
  for (let i = 0; i <= timing.retries; i++) {
    if (signal?.aborted) break;
    if (i > 0) {
      const pause = Math.min(timing.backoffMs * 2 ** (i - 1), MAX_BACKOFF_MS);
      try {
        await sleep(pause, undefined, { signal });
      } catch {
        break;
      }
    }
    attempts++;
    const attemptStarted = performance.now();
    const timeout = AbortSignal.timeout(timing.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const detail = await withAbort(probe.attempt(endpoint, combined), combined, timing.timeoutMs);
      latencyMs = round(performance.now() - attemptStarted);
      return result(probe, endpoint, true, attempts, latencyMs, started, detail);
    } catch (error) {
      latencyMs = round(performance.now() - attemptStarted);
      lastError = error instanceof Error ? error.message : String(error);
    }
  }
  if (signal?.aborted) lastError = `${lastError} (cancelled)`;
  return result(probe, endpoint, false, attempts, latencyMs, started, lastError);
}

function result(
  probe: Probe,
  endpoint: Endpoint,
  ok: boolean,
  attempts: number,
  latencyMs: number,
  started: number,
  detail: string,
): ProbeResult {
  return {
    probe: probe.description,
    target: probe.target(endpoint),
    ok,
    attempts,
    latencyMs,
    totalMs: round(performance.now() - started),
    detail,
  };
}

/** Guarantees the timeout even when a client library ignores the abort signal. */
function withAbort<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolveWork, reject) => {
    const onAbort = () =>
      reject(
        new Error(
          signal.reason instanceof Error && signal.reason.name === 'TimeoutError'
            ? `timed out after ${timeoutMs} ms`
            : 'aborted',
        ),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolveWork(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Host and port of an endpoint's main address. */
export function hostPortOf(endpoint: Endpoint): { host: string; port: number } {
  const url = new URL(endpoint.service === 'backend' ? endpoint.httpUrl : endpoint.url);
  const defaults: Record<string, number> = {
    'http:': 80,
    'https:': 443,
    'postgres:': 5432,
    'postgresql:': 5432,
    'redis:': 6379,
    'rediss:': 6379,
  };
  return { host: url.hostname, port: url.port ? Number(url.port) : (defaults[url.protocol] ?? 80) };
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return describeError(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
