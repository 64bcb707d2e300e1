/**
 * Checks written against the ways real servers get AEP/1 wrong (docs/faults.md): each pattern of
 * missed bugs has its file, each check is caught failing by a fault of the reference backend.
 */
import type { Check } from '../check.js';
import { aftermathChecks } from './aftermath.js';
import { burstChecks } from './bursts.js';
import { clauseChecks } from './clauses.js';
import { doorChecks } from './doors.js';
import { raceChecks } from './races.js';

export const hardeningChecks: readonly Check[] = [
  ...doorChecks,
  ...aftermathChecks,
  ...burstChecks,
  ...raceChecks,
  ...clauseChecks,
];
