/** Assertions for checks. Each failure message states what AEP/1 wanted and what the server did. */
import { HandshakeRejectedError } from '../client/index.js';
import { CheckFailure, type EvidenceFocus } from './check.js';

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

export function expectNoViolations(violations: string[], what: string): void {
  if (violations.length > 0) {
    fail(`${what}: ${violations[0]}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ''}`, {
      violations: violations.slice(0, 20),
    });
  }
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
