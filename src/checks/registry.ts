/** Every AEP/1 check, in the order of the protocol's sections. */
import { authChecks } from './auth.js';
import type { Check } from './check.js';
import { clientFrameChecks } from './client-frames.js';
import { errorChecks } from './errors.js';
import { eventChecks } from './events.js';
import { handshakeEdgeChecks } from './handshake-edges.js';
import { leftBehindChecks } from './left-behind.js';
import { modelChecks } from './model/index.js';
import { scenarioChecks } from './scenarios/index.js';
import { sessionStartChecks } from './session-start.js';
import { transportChecks } from './transport.js';

export const AEP_CHECKS: readonly Check[] = [
  ...transportChecks,
  ...authChecks,
  ...handshakeEdgeChecks,
  ...sessionStartChecks,
  ...clientFrameChecks,
  ...eventChecks,
  ...leftBehindChecks,
  ...errorChecks,
  ...scenarioChecks,
  ...modelChecks,
];

/** `*` matches any run of characters (slashes included), `?` one; a comma separates patterns. */
export function selectChecks(checks: readonly Check[], patterns: string | undefined): Check[] {
  if (!patterns) return [...checks];
  const matchers = patterns
    .split(',')
    .map((pattern) => pattern.trim())
    .filter(Boolean)
    .map(
      (pattern) =>
        new RegExp(
          `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replaceAll('*', '.*')
            .replaceAll('?', '.')}$`,
        ),
    );
  return checks.filter((check) => matchers.some((matcher) => matcher.test(check.id)));
}
