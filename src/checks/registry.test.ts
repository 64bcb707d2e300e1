import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../protocol/index.js';
import { AEP_CHECKS, selectChecks } from './registry.js';

describe('check registry', () => {
  it('has unique ids of the form <rule>/<slug>', () => {
    const ids = AEP_CHECKS.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of AEP_CHECKS) {
      expect(check.id).toMatch(/^(R-\d\.\d|§4)\/[a-z0-9-]+$/);
      expect(check.rules).toContain(check.id.split('/')[0]);
    }
  });

  it('covers every numbered rule of AEP/1 except those listed as needing server control', () => {
    const covered = new Set(AEP_CHECKS.flatMap((check) => check.rules));
    const missing = RULE_IDS.filter((rule) => !covered.has(rule));
    expect(missing).toEqual(['R-6.4']);
  });

  it('selects by glob, where * crosses slashes and commas separate patterns', () => {
    expect(selectChecks(AEP_CHECKS, 'R-2.2/*').every((check) => check.id.startsWith('R-2.2/'))).toBe(true);
    expect(selectChecks(AEP_CHECKS, 'R-2.*').length).toBeGreaterThan(
      selectChecks(AEP_CHECKS, 'R-2.2/*').length,
    );
    expect(selectChecks(AEP_CHECKS, '§4/ping-pong,R-1.5/health-ok').map((check) => check.id)).toEqual([
      'R-1.5/health-ok',
      '§4/ping-pong',
    ]);
    expect(selectChecks(AEP_CHECKS, 'R-1.1.x/*')).toEqual([]);
    expect(selectChecks(AEP_CHECKS, undefined).length).toBe(AEP_CHECKS.length);
  });
});
