/** The results model: one shape that every report renderer reads. */
import type { CheckStatus, Evidence } from '../checks/index.js';

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
  /** Set when the run could not check what it was asked (exit code 2). */
  problem?: string;
  /** How the environment was resolved: every decision, the tiers used, the variables. */
  environment?: unknown;
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
