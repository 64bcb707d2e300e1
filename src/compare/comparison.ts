/** The comparison document (`compare.json`): versioned, snake_case like the reports it reads. */
import type { LoadComparison } from './compare-load.js';
import type { RunComparison } from './compare-runs.js';

export const COMPARE_SCHEMA_VERSION = 1;

export type Comparison = {
  schema_version: typeof COMPARE_SCHEMA_VERSION;
  kind: 'agentwire.compare';
  a_file: string;
  b_file: string;
} & { report: RunComparison | LoadComparison };
