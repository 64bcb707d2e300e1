import { describe, expect, it } from 'vitest';
import { DecisionLog, formatDecision } from './decision-log.js';
import { profileFor, TIER_PROFILES } from './profiles.js';
import { parseTierList } from './resolve-environment.js';

describe('profiles', () => {
  it('the gentlest tier in use sets the pace, and config overrides apply to it', () => {
    expect(profileFor(['local'])).toEqual(TIER_PROFILES.local);
    expect(profileFor(['local', 'staging']).name).toBe('staging_fallback');
    expect(
      profileFor(['docker', 'local'], { docker: { concurrency: 1, spacingMs: undefined } }),
    ).toMatchObject({ name: 'docker_local', concurrency: 1, spacingMs: 0 });
    expect(TIER_PROFILES.staging.spacingMs).toBeGreaterThan(0);
  });
});

describe('parseTierList', () => {
  it('keeps the order and refuses unknown or repeated tiers', () => {
    expect(parseTierList('local, docker')).toEqual(['local', 'docker']);
    expect(() => parseTierList('docker,cloud')).toThrow(
      'unknown tier "cloud": use a comma-separated list of docker, local, staging',
    );
    expect(() => parseTierList('local,local')).toThrow('lists a tier twice');
  });
});

describe('decision log', () => {
  it('timestamps entries, notifies listeners and formats probes with latency and attempts', () => {
    const seen: string[] = [];
    const log = new DecisionLog((d) => seen.push(d.type));
    log.add({ type: 'skipped', service: 'redis', tier: 'docker', reason: 'not configured' });
    const probe = log.add({
      type: 'probe',
      service: 'backend',
      tier: 'local',
      result: {
        probe: 'tcp connect',
        target: '127.0.0.1:1',
        ok: false,
        attempts: 2,
        latencyMs: 1.5,
        totalMs: 30,
        detail: 'ECONNREFUSED',
      },
    });
    expect(seen).toEqual(['skipped', 'probe']);
    expect(log.entries).toHaveLength(2);
    expect(probe.atMs).toBeGreaterThanOrEqual(0);
    expect(formatDecision(probe)).toContain(
      'backend: probe tcp connect 127.0.0.1:1 FAILED in 1.5 ms after 2 attempts (30 ms): ECONNREFUSED',
    );
  });
});
