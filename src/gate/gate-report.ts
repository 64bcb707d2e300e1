/**
 * The gate's result as a versioned document (`gate.json`): what was counted, which criteria
 * failed and why, and every test's id and status so a later gate can use it as `--baseline`.
 * Keys are snake_case like the run report's; `schema_version` changes when a reader would break.
 */
import { z } from 'zod';

export const GATE_SCHEMA_VERSION = 1;

const counts = {
  tests: z.number().int(),
  executed: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
};

export const gateReportSchema = z.object({
  schema_version: z.literal(GATE_SCHEMA_VERSION),
  kind: z.literal('agentwire.gate'),
  generated_at: z.string(),
  verdict: z.enum(['pass', 'fail']),
  exit_code: z.number().int(),
  reports: z.array(z.string()),
  criteria: z.object({
    min_executed: z.number().int(),
    max_skipped_ratio: z.number().nullable(),
    require: z.array(z.string()),
    baseline: z.string().nullable(),
  }),
  totals: z.object({ ...counts, skipped_ratio: z.number() }),
  problems: z.array(z.string()),
  skip_reasons: z.array(
    z.object({ reason: z.string(), count: z.number().int(), examples: z.array(z.string()) }),
  ),
  suites: z.array(z.object({ name: z.string(), ...counts })),
  files: z.array(z.object({ name: z.string(), ...counts })),
  failed_tests: z.array(z.object({ id: z.string(), reason: z.string() })),
  coverage_loss: z
    .object({
      now_skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
      vanished: z.array(z.string()),
    })
    .nullable(),
  tests: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['passed', 'failed', 'skipped']),
      reason: z.string().optional(),
    }),
  ),
});

export type GateReport = z.infer<typeof gateReportSchema>;
export type GateCounts = Pick<GateReport['totals'], keyof typeof counts>;
