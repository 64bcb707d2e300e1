import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AEP_CHECKS } from '../checks/index.js';
import { RULE_IDS } from '../protocol/index.js';
import { renderRulesTable } from './rules-table.js';

describe('rules table', () => {
  it('is committed exactly as the generator writes it (run npm run docs:rules after changing checks)', () => {
    const committed = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderRulesTable(AEP_CHECKS));
  });

  it('has a row for every rule, naming at least one check', () => {
    const table = renderRulesTable(AEP_CHECKS);
    for (const rule of RULE_IDS)
      expect(table).toMatch(new RegExp(`^\\| ${rule} \\|.*\`R-|^\\| ${rule} \\|.*\`scenario/`, 'm'));
    expect(table).not.toContain('**none**');
  });

  it('marks a rule without checks instead of hiding it', () => {
    const table = renderRulesTable(AEP_CHECKS.filter((check) => !check.rules.includes('R-6.4')));
    expect(table).toMatch(/^\| R-6\.4 \|.*\*\*none\*\*/m);
  });
});
