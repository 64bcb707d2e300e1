import type { Check } from '../check.js';
import { crashChecks } from './crash.js';
import { drainChecks } from './drain.js';
import { flowScenarios } from './flows.js';
import { fuzzChecks } from './fuzz.js';
import { resilienceScenarios } from './resilience.js';

/** Scenario checks (end-to-end flows), the fuzzer and the drain check, in that order. */
export const scenarioChecks: readonly Check[] = [
  ...flowScenarios,
  ...resilienceScenarios,
  ...fuzzChecks,
  ...drainChecks,
  ...crashChecks,
];
