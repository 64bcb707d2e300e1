import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Check } from './check.js';
import { AEP_CHECKS } from './registry.js';
import { renderRulesTable } from './rules-table.js';

describe('docs/rules.md', () => {
  it('is exactly what the registry generates (regenerate with npm run docs:rules)', () => {
    const committed = readFileSync(join(import.meta.dirname, '../../docs/rules.md'), 'utf8');
    expect(committed).toBe(renderRulesTable(AEP_CHECKS));
  });

  it('marks a rule no check covers, instead of leaving it out', () => {
    const withoutAuth: Check[] = AEP_CHECKS.filter((check) => !check.rules.includes('R-2.3'));
    expect(renderRulesTable(withoutAuth)).toMatch(/\| R-2\.3 \| .* \| \*\*none\*\* \|/);
  });
});
