/**
 * A failed check told in a few lines, for a test runner that shows each check as one of its
 * tests: there is no report.json beside it, so the message carries the rule, the reason, the
 * seed and the evidence frames.
 */
import { evidenceLines } from '../report/evidence-lines.js';
import { redactText } from '../report/index.js';
import type { CheckResult } from '../runner/index.js';

export function checkFailureMessage(
  result: CheckResult,
  seed: number,
  secrets: readonly string[] = [],
): string {
  const lines = [
    `${result.id} failed (${result.rules.join(', ')}): ${result.reason ?? 'no reason given'}`,
    ...evidenceLines(result.evidence).map((line) => `  ${line.replace(' in report.json', ' not shown')}`),
    `  seed ${seed} (repeat with the same seed to replay generated input)`,
  ];
  return redactText(lines.join('\n'), secrets);
}
