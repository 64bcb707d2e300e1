/**
 * What a check is without how it runs: enough to list and select checks. `run --list` and the
 * selection read this from the generated catalogue (catalogue.ts) without loading any check's
 * code or the libraries the checks use.
 */
import type { AgUiRuleId } from '../agui/rules.js';
import type { Capability } from '../protocol/constants.js';
import type { RuleId } from '../protocol/rules.js';

export interface CheckInfo {
  /** Stable id, `R-x.y/what-it-checks`. */
  id: string;
  rules: readonly (RuleId | '§4' | AgUiRuleId)[];
  title: string;
  requires: readonly Capability[];
  /**
   * The check starts instances of the target of its own (only the embedded backend can): left
   * out of runs against an explicit target unless --checks asks for it.
   */
  needsOwnInstances?: boolean;
}
