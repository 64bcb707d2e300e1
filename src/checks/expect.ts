/** Assertions for checks. Each failure message states what AEP/1 wanted and what the server did. */

import { HandshakeRejectedError } from '../client/index.js';
import { CheckFailure, type EvidenceFocus } from './check.js';
import type { StreamEvent } from './stream-rules.js';

export function fail(reason: string, details?: Record<string, unknown>, focus?: EvidenceFocus): never {
  throw new CheckFailure(reason, details, focus);
}

export function expectTrue(
  condition: unknown,
  reason: string,
  details?: Record<string, unknown>,
  focus?: EvidenceFocus,
): asserts condition {
  if (!condition) fail(reason, details, focus);
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) {
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`, {
      expected,
      actual,
    });
  }
}

/**
 * Fails with the first violation; `offending` (the events that break the rule, as the stream
 * validators collect them) become the frames the evidence shows.
 */
export function expectNoViolations(
  violations: string[],
  what: string,
  offending: readonly unknown[] = [],
): void {
  if (violations.length > 0) {
    fail(
      `${what}: ${violations[0]}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ''}`,
      { violations: violations.slice(0, 20) },
      offending.length > 0 ? { frames: offending.slice(0, 8) } : undefined,
    );
  }
}

/** Runs stream validators with one collector of offending events, then expectNoViolations. */
export function expectNoStreamViolations(
  what: string,
  ...rules: ((offending: StreamEvent[]) => string[])[]
): void {
  const offending: StreamEvent[] = [];
  expectNoViolations(
    rules.flatMap((rule) => rule(offending)),
    what,
    offending,
  );
}

/** Expects the handshake to be refused with `status`; returns quietly when it was. */
export async function expectHandshakeRefused(
  attempt: Promise<unknown>,
  status: number,
  what: string,
): Promise<void> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof HandshakeRejectedError) {
      expectEqual(error.status, status, `${what}: HTTP status of the refused handshake`);
      return;
    }
    fail(`${what}: expected HTTP ${status}, but the handshake failed otherwise: ${(error as Error).message}`);
  }
  fail(`${what}: expected HTTP ${status} and no upgrade, but the server upgraded the connection`);
}

/** Frames of `type` with `code`, answering `id`, as R-6.1 and the section 4 table describe. */
export function isErrorAnswer(frame: Record<string, unknown>, code: string, id?: string): boolean {
  return frame.type === 'error' && frame.code === code && (id === undefined || frame.id === id);
}

export function expectErrorAnswer(frame: Record<string, unknown>, code: string, what: string): void {
  expectTrue(
    frame.type === 'error' && frame.code === code,
    `${what}: expected an error frame with code "${code}", got ${JSON.stringify(frame).slice(0, 300)}`,
    { answer: frame },
  );
}
