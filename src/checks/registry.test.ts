import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../protocol/index.js';
import { AEP_CHECKS, selectChecks } from './registry.js';

describe('check registry', () => {
  it('has unique ids of the form <rule>/<slug>', () => {
    const ids = AEP_CHECKS.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of AEP_CHECKS) {
      expect(check.id).toMatch(/^(R-\d\.\d|§4|scenario|model)\/[a-z0-9-]+$/);
      const prefix = check.id.split('/')[0]!;
      if (prefix === 'scenario' || prefix === 'model') expect(check.rules.length).toBeGreaterThan(0);
      else expect(check.rules).toContain(prefix);
    }
  });

  it('covers every numbered rule of AEP/1 with a check of its own id', () => {
    const named = new Set(AEP_CHECKS.map((check) => check.id.split('/')[0]));
    expect(RULE_IDS.filter((rule) => !named.has(rule))).toEqual([]);
  });

  it('names a scenario check for every flow the suite promises', () => {
    const ids = AEP_CHECKS.map((check) => check.id);
    for (const flow of [
      'message-flow',
      'streaming',
      'fan-out',
      'concurrent-sessions',
      'tool-isolation',
      'cancel-mid-run',
      'inflight-limit-across-connections',
      'failure-recovery',
      'token-expiry-mid-session',
      'oversized-and-binary-frames',
    ]) {
      expect(ids).toContain(`scenario/${flow}`);
    }
    expect(ids).toContain('R-6.4/graceful-drain');
    expect(ids).toContain('R-6.1/fuzz-malformed-frames');
    expect(ids).toContain('model/interleavings');
    expect(ids).toContain('model/bursts');
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

  it('selects a rule by its id, ignores case, and leaves out !GLOB matches', () => {
    const rule = selectChecks(AEP_CHECKS, 'R-5.1').map((check) => check.id);
    expect(rule.length).toBeGreaterThan(1);
    expect(rule.every((id) => id.startsWith('R-5.1/'))).toBe(true);
    expect(selectChecks(AEP_CHECKS, 'r-5.1/*').map((check) => check.id)).toEqual(rule);
    const allButDrain = selectChecks(AEP_CHECKS, '*,!R-6.4/*');
    expect(allButDrain.length).toBe(AEP_CHECKS.length - selectChecks(AEP_CHECKS, 'R-6.4').length);
    expect(allButDrain.some((check) => check.id.startsWith('R-6.4/'))).toBe(false);
    expect(selectChecks(AEP_CHECKS, '!R-6.4')).toEqual(allButDrain);
  });
});
