/**
 * Two run reports side by side (docker tier vs staging, before vs after a deploy): what changed
 * per check, how long each took, how many executed, and per rule which environment can be
 * trusted. Pure: two `RunReport`s (already read through the versioned schema) in, data out.
 */
import type { CheckResult, RunReport } from '../runner/index.js';

export type Status = CheckResult['status'];

export interface CheckChange {
  id: string;
  a: Status | 'absent';
  b: Status | 'absent';
  /** b's reason when it did not pass, a's when only a has one. */
  reason?: string;
}

export interface TimingDelta {
  id: string;
  a_ms: number;
  b_ms: number;
  delta_ms: number;
  /** b / a; null when a took 0 ms. */
  ratio: number | null;
}

/**
 * For one rule: `both` (executed in both with the same outcome: either environment will do),
 * `a-only` / `b-only` (only there was it executed: only that one can be trusted), `disagree`
 * (executed in both, different outcomes: the environments behave differently for this rule,
 * neither stands in for the other), `neither` (no coverage anywhere).
 */
export type Trust = 'both' | 'a-only' | 'b-only' | 'disagree' | 'neither';

export interface RuleDecision {
  rule: string;
  a: RuleOutcome;
  b: RuleOutcome;
  trust: Trust;
}

/** A rule's outcome in one environment: failed if any of its checks failed. */
export type RuleOutcome = 'passed' | 'failed' | 'not executed';

export interface RunComparison {
  kind: 'run';
  a: { label: string; verdict: string; target: string; summary: RunReport['summary'] };
  b: { label: string; verdict: string; target: string; summary: RunReport['summary'] };
  executed_delta: number;
  status_changes: CheckChange[];
  timing: TimingDelta[];
  decision_matrix: RuleDecision[];
  trust_counts: Record<Trust, number>;
}

const executed = (status: Status | 'absent') => status === 'passed' || status === 'failed';

export function compareRuns(a: RunReport, b: RunReport, labels: { a: string; b: string }): RunComparison {
  const checksA = new Map(a.checks.map((check) => [check.id, check]));
  const checksB = new Map(b.checks.map((check) => [check.id, check]));
  const ids = [...new Set([...checksA.keys(), ...checksB.keys()])];

  const statusChanges: CheckChange[] = [];
  const timing: TimingDelta[] = [];
  for (const id of ids) {
    const before = checksA.get(id);
    const after = checksB.get(id);
    const statusA = before?.status ?? 'absent';
    const statusB = after?.status ?? 'absent';
    if (statusA !== statusB) {
      const reason = after?.reason ?? before?.reason;
      statusChanges.push({ id, a: statusA, b: statusB, ...(reason ? { reason } : {}) });
    }
    if (before && after && executed(before.status) && executed(after.status)) {
      timing.push({
        id,
        a_ms: before.duration_ms,
        b_ms: after.duration_ms,
        delta_ms: after.duration_ms - before.duration_ms,
        ratio: before.duration_ms > 0 ? round(after.duration_ms / before.duration_ms) : null,
      });
    }
  }
  timing.sort((x, y) => Math.abs(y.delta_ms) - Math.abs(x.delta_ms));

  const outcomesA = ruleOutcomes(a.checks);
  const outcomesB = ruleOutcomes(b.checks);
  const rules = [...new Set([...outcomesA.keys(), ...outcomesB.keys()])].sort(byRuleNumber);
  const decisionMatrix = rules.map((rule) => {
    const outcomeA = outcomesA.get(rule) ?? 'not executed';
    const outcomeB = outcomesB.get(rule) ?? 'not executed';
    return { rule, a: outcomeA, b: outcomeB, trust: trustOf(outcomeA, outcomeB) };
  });
  const trustCounts: Record<Trust, number> = { both: 0, 'a-only': 0, 'b-only': 0, disagree: 0, neither: 0 };
  for (const decision of decisionMatrix) trustCounts[decision.trust]++;

  return {
    kind: 'run',
    a: side(a, labels.a),
    b: side(b, labels.b),
    executed_delta: b.summary.executed - a.summary.executed,
    status_changes: statusChanges,
    timing,
    decision_matrix: decisionMatrix,
    trust_counts: trustCounts,
  };
}

function side(report: RunReport, label: string) {
  return { label, verdict: report.verdict, target: report.target.ws_url, summary: report.summary };
}

function ruleOutcomes(checks: readonly CheckResult[]): Map<string, RuleOutcome> {
  const outcomes = new Map<string, RuleOutcome>();
  for (const check of checks) {
    for (const rule of check.rules.length > 0 ? check.rules : [check.rule]) {
      const current = outcomes.get(rule) ?? 'not executed';
      if (check.status === 'failed') outcomes.set(rule, 'failed');
      else if (check.status === 'passed' && current === 'not executed') outcomes.set(rule, 'passed');
      else outcomes.set(rule, current);
    }
  }
  return outcomes;
}

function trustOf(a: RuleOutcome, b: RuleOutcome): Trust {
  if (a === 'not executed') return b === 'not executed' ? 'neither' : 'b-only';
  if (b === 'not executed') return 'a-only';
  return a === b ? 'both' : 'disagree';
}

/** after: numeric parts compared as numbers. */
function byRuleNumber(x: string, y: string): number {
  return x.localeCompare(y, 'en', { numeric: true });
}

const round = (value: number) => Math.round(value * 100) / 100;
