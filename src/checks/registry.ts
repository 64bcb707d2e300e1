/** Every AEP/1 check, in the order of the protocol's sections. */
import { authChecks } from './auth.js';
import type { Check } from './check.js';
import { clientFrameChecks } from './client-frames.js';
import { errorChecks } from './errors.js';
import { eventChecks } from './events.js';
import { handshakeEdgeChecks } from './handshake-edges.js';
import { hardeningChecks } from './hardening/index.js';
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
  ...hardeningChecks,
  ...scenarioChecks,
  ...modelChecks,
];

export { selectChecks } from './select.js';
