/**
 * `agentwire run --list`: the checks a run would get, read from the catalogue, so listing loads
 * no check code, no protocol libraries and no server (start-up is part of every command).
 */
import { CHECK_CATALOGUE } from '../checks/catalogue.js';
import type { CheckInfo } from '../checks/check-info.js';
import { checksOf, protocolNamed } from '../suite/selection.js';

export interface ListOptions {
  profile: string;
  checks?: string;
  /** Against an explicit target, checks needing instances of their own are left out, as in a run. */
  target?: URL;
  json?: boolean;
}

export function listChecks(options: ListOptions): string {
  const all = CHECK_CATALOGUE[protocolNamed(options.profile)];
  const { checks } = checksOf(all, options.checks, Boolean(options.target));
  return options.json ? `${JSON.stringify(listJson(checks), null, 2)}\n` : renderCheckList(checks);
}

/** One line per check, then how many and which rules they cover. */
export function renderCheckList(checks: readonly CheckInfo[]): string {
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

function listJson(checks: readonly CheckInfo[]) {
  return checks.map((check) => ({
    id: check.id,
    rules: check.rules,
    title: check.title,
    requires: check.requires,
  }));
}
