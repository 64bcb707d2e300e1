/**
 * The results model: one shape that every report renderer reads, and its versioned zod schema
 * that `compare`, `gate` and the monitor read report.json files back with.
 */
import { z } from 'zod';
import type { CheckStatus, Evidence } from '../checks/index.js';
import { type Stability, stabilitySchema } from './stability.js';

/** Bumped when a report's shape changes incompatibly; `parseRunReport` upgrades older ones. */
export const RUN_REPORT_SCHEMA_VERSION = 1;

/**
 * The run's outcome in one word. NOT_CHECKED: nothing (or less than asked) could be checked;
 * its exit code is 2, or 0 under --allow-skip. INTERRUPTED: aborted, the report is partial.
 */
export const VERDICTS = ['PASSED', 'FAILED', 'NOT_CHECKED', 'INTERRUPTED'] as const;
export type VerdictWord = (typeof VERDICTS)[number];

export interface CheckResult {
  id: string;
  rule: string;
  rules: string[];
  title: string;
  status: CheckStatus;
  duration_ms: number;
  attempts: number;
  reason?: string;
  evidence?: Evidence;
}

export interface Summary {
  total: number;
  executed: number;
  passed: number;
  failed: number;
  skipped: number;
  unsupported: number;
}

export interface RunReport {
  schema_version: typeof RUN_REPORT_SCHEMA_VERSION;
  verdict: VerdictWord;
  /** The exit code the CLI ends with for this report (0, 1, 2 or 130). */
  exit_code: number;
  tool: { name: string; version: string };
  profile: string;
  target: {
    ws_url: string;
    http_url: string;
    /** embedded: the in-process reference backend; none: no environment resolved. */
    mode: 'embedded' | 'external' | 'none';
    /** The AG-UI endpoint checked (profile ag-ui). */
    ag_ui_url?: string;
    server?: { name: string; version: string };
    /**
     * Where the tokens came from (`HS256 shared secret`, `RS256 private key (kid k1)`, `token
     * command`, `none`): never the secret itself. Added within schema version 1 (optional).
     */
    auth?: string;
    /**
     * TLS trust beyond the system's: `ca` when --ca was given, `insecure: true` when certificates
     * were not verified at all (--insecure). Added within schema version 1 (optional).
     */
    tls?: { insecure: boolean; ca?: boolean };
    /** Names (never values) of the extra headers sent to the target (--header). */
    headers?: string[];
  };
  capabilities: string[];
  started_at: string;
  duration_ms: number;
  settings: {
    /** The execution profile applied (from the resolved tier or --pace). */
    execution_profile?: string;
    concurrency: number;
    check_timeout_ms: number;
    retries: number;
    spacing_ms?: number;
    min_executed: number;
    allow_skip?: boolean;
    /** Seed of the generated input (fuzzing): `--seed` repeats the run. */
    seed?: number;
    /** Faults injected into the in-process reference backend (`--fault`). */
    faults?: string[];
    /** `--max-unsupported`: more unsupported checks than this means less was checked than asked. */
    max_unsupported?: number;
    /** `--require`: the ids of the checks that must be executed (passed or failed). */
    required?: string[];
  };
  summary: Summary;
  checks: CheckResult[];
  /** Set when the run could not check what it was asked (exit code 2), or was interrupted. */
  problem?: string;
  /**
   * Set when checks could not connect because the target stopped answering mid-run: the check
   * after which it happened and how many checks failed to connect from then on.
   */
  target_lost?: { after: string; checks: number };
  /** Checks the selection left out on purpose (e.g. those that need instances of their own). */
  left_out?: { id: string; reason: string }[];
  /** How the environment was resolved: every decision, tiers_used, the variables (snake_case keys). */
  environment?: Record<string, unknown>;
  /** With `run --repeat N`: how the checks fared over the series (this report is its last run). */
  stability?: Stability;
}

const checkResultSchema = z.object({
  id: z.string(),
  rule: z.string(),
  rules: z.array(z.string()),
  title: z.string(),
  status: z.enum(['passed', 'failed', 'skipped', 'unsupported']),
  duration_ms: z.number(),
  attempts: z.number(),
  reason: z.string().optional(),
  evidence: z
    .object({
      transcript: z.array(
        z.object({ t_ms: z.number(), conn: z.string(), dir: z.string(), frame: z.unknown() }),
      ),
      details: z.record(z.string(), z.unknown()).optional(),
      users: z.record(z.string(), z.string()).optional(),
      omitted: z.number().optional(),
    })
    .optional(),
});

const summarySchema = z.object({
  total: z.number(),
  executed: z.number(),
  passed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  unsupported: z.number(),
});

/** report.json, schema version 1. */
export const runReportSchema = z.object({
  schema_version: z.literal(RUN_REPORT_SCHEMA_VERSION),
  verdict: z.enum(VERDICTS),
  exit_code: z.number().int(),
  tool: z.object({ name: z.string(), version: z.string() }),
  profile: z.string(),
  target: z.object({
    ws_url: z.string(),
    http_url: z.string(),
    mode: z.enum(['embedded', 'external', 'none']),
    ag_ui_url: z.string().optional(),
    server: z.object({ name: z.string(), version: z.string() }).optional(),
    auth: z.string().optional(),
    tls: z.object({ insecure: z.boolean(), ca: z.boolean().optional() }).optional(),
    headers: z.array(z.string()).optional(),
  }),
  capabilities: z.array(z.string()),
  started_at: z.string(),
  duration_ms: z.number(),
  settings: z.object({
    execution_profile: z.string().optional(),
    concurrency: z.number(),
    check_timeout_ms: z.number(),
    retries: z.number(),
    spacing_ms: z.number().optional(),
    min_executed: z.number(),
    allow_skip: z.boolean().optional(),
    seed: z.number().optional(),
    faults: z.array(z.string()).optional(),
    max_unsupported: z.number().optional(),
    required: z.array(z.string()).optional(),
  }),
  summary: summarySchema,
  checks: z.array(checkResultSchema),
  problem: z.string().optional(),
  target_lost: z.object({ after: z.string(), checks: z.number() }).optional(),
  left_out: z.array(z.object({ id: z.string(), reason: z.string() })).optional(),
  environment: z.record(z.string(), z.unknown()).optional(),
  stability: stabilitySchema.optional(),
});

export class ReportSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportSchemaError';
  }
}

/**
 * A report.json read back (parsed JSON): validated against its schema version. Reports from
 * before schema_version existed are upgraded (verdict and exit code derived from the counts).
 */
export function parseRunReport(value: unknown): RunReport {
  const raw = value as Record<string, unknown> | null;
  if (raw && typeof raw === 'object' && raw.schema_version === undefined && 'summary' in raw) {
    return parseRunReport(upgradeUnversioned(raw));
  }
  const parsed = runReportSchema.safeParse(value);
  if (!parsed.success) {
    const version = raw && typeof raw === 'object' ? raw.schema_version : undefined;
    if (typeof version === 'number' && version > RUN_REPORT_SCHEMA_VERSION)
      throw new ReportSchemaError(
        `report schema_version ${version} is newer than this agentwire reads (${RUN_REPORT_SCHEMA_VERSION}): upgrade agentwire`,
      );
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ReportSchemaError(`not an agentwire run report: ${issues.join('; ')}`);
  }
  return parsed.data as RunReport;
}

function upgradeUnversioned(raw: Record<string, unknown>): Record<string, unknown> {
  const summary = raw.summary as Summary;
  const exit_code = raw.problem ? 2 : summary.failed > 0 ? 1 : summary.executed === 0 ? 2 : 0;
  const verdict: VerdictWord = exit_code === 0 ? 'PASSED' : exit_code === 1 ? 'FAILED' : 'NOT_CHECKED';
  return { ...raw, schema_version: RUN_REPORT_SCHEMA_VERSION, verdict, exit_code };
}

export function summarise(results: readonly CheckResult[]): Summary {
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length;
  const passed = count('passed');
  const failed = count('failed');
  return {
    total: results.length,
    executed: passed + failed,
    passed,
    failed,
    skipped: count('skipped'),
    unsupported: count('unsupported'),
  };
}
