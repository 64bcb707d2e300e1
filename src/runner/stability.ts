/**
 * The `stability` section of a report from `run --repeat N` (computed in `stability/`): per
 * check, its pass rate over the series, whether it is flaky, its failure reasons grouped and its
 * duration percentiles. Here because it is part of the results model and its schema.
 */
import { z } from 'zod';

export const checkStabilitySchema = z.object({
  id: z.string(),
  executed: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  /** Runs where it was skipped or unsupported. */
  not_executed: z.number().int(),
  /** passed / executed; null when it never executed. */
  pass_rate: z.number().nullable(),
  flaky: z.boolean(),
  failure_reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  duration_ms: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }).nullable(),
});

export const stabilitySchema = z.object({
  runs: z.number().int(),
  min_pass_rate: z.number(),
  checks: z.array(checkStabilitySchema),
  /** Ids of checks that passed and failed in the series. */
  flaky: z.array(z.string()),
  /** Ids of checks whose pass rate is below min_pass_rate. */
  below_min_pass_rate: z.array(z.string()),
});

export type CheckStability = z.infer<typeof checkStabilitySchema>;
export type Stability = z.infer<typeof stabilitySchema>;
