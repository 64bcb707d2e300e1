/**
 * The record of how the environment was chosen: every tier tried, every probe with its result
 * and latency, the tier chosen per service and why. Printed in the terminal, kept in
 * report.json (`environment`) and by `agentwire env`.
 */
import type { Decision } from './types.js';

type WithoutTime<T> = T extends unknown ? Omit<T, 'atMs'> : never;
export type DecisionInput = WithoutTime<Decision>;

export class DecisionLog {
  private readonly started = performance.now();
  private readonly list: Decision[] = [];

  constructor(private readonly listener?: (decision: Decision) => void) {}

  add(input: DecisionInput): Decision {
    const decision = { ...input, atMs: Math.round(performance.now() - this.started) } as Decision;
    this.list.push(decision);
    this.listener?.(decision);
    return decision;
  }

  get entries(): readonly Decision[] {
    return this.list;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }
}

/** One line per decision, for terminals and text logs. */
export function formatDecision(decision: Decision): string {
  const at = `+${decision.atMs}ms`.padStart(8);
  switch (decision.type) {
    case 'policy':
      return `${at} policy     ${decision.message}`;
    case 'detected':
      return `${at} ${decision.tier.padEnd(7)}    ${decision.ok ? 'found' : 'missing'} ${decision.subject}: ${decision.detail} (${decision.latencyMs} ms)`;
    case 'skipped':
      return `${at} ${decision.tier.padEnd(7)}    ${decision.service}: skipped, ${decision.reason}`;
    case 'started':
      return `${at} ${decision.tier.padEnd(7)}    ${decision.service}: started ${decision.source} (${decision.latencyMs} ms)`;
    case 'probe': {
      const r = decision.result;
      return `${at} ${decision.tier.padEnd(7)}    ${decision.service}: probe ${r.probe} ${r.target} ${r.ok ? 'ok' : 'FAILED'} in ${r.latencyMs} ms after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'} (${r.totalMs} ms): ${r.detail}`;
    }
    case 'failed': {
      const logs = decision.logs?.length
        ? `\n${decision.logs.map((line) => `             | ${line}`).join('\n')}`
        : '';
      return `${at} ${decision.tier.padEnd(7)}    ${decision.service}: ${decision.source} not usable: ${decision.reason}${logs}`;
    }
    case 'chosen':
      return `${at} ${decision.tier.padEnd(7)} ✔  ${decision.service}: using ${decision.source} (${decision.reason})`;
    case 'unresolved':
      return `${at} none    ✘  ${decision.service}: no tier could provide it:\n${decision.reasons.map((r) => `             - ${r}`).join('\n')}`;
  }
}

export function formatDecisions(decisions: readonly Decision[]): string {
  return decisions.map(formatDecision).join('\n');
}
