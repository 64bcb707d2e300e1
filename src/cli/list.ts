import type { Check } from '../checks/index.js';

/** `agentwire run --list`: one line per check, then how many and which rules they cover. */
export function renderCheckList(checks: readonly Check[]): string {
  const idWidth = Math.max(...checks.map((check) => check.id.length), 2);
  const lines = checks.map((check) => {
    const requires = check.requires.length ? `  [requires ${check.requires.join(', ')}]` : '';
    const rules = `  (${check.rules.join(', ')})`;
    return `${check.id.padEnd(idWidth)}  ${check.title}${rules}${requires}`;
  });
  const rules = new Set(checks.flatMap((check) => check.rules));
  lines.push('', `${checks.length} checks covering ${rules.size} rules`);
  return `${lines.join('\n')}\n`;
}
