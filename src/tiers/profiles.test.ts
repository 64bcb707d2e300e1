import { describe, expect, it } from 'vitest';
import { EXECUTION_PROFILES, PROFILES } from '../runner/profile.js';
import { DecisionLog, formatDecision } from './decision-log.js';
import { profileFor, TIER_PROFILES, testModeOf } from './profiles.js';
import { parseTierList } from './resolve-environment.js';

describe('profiles', () => {
  it('the gentlest tier in use sets the pace, and config overrides apply to it', () => {
    expect(profileFor(['local'])).toEqual(TIER_PROFILES.local);
    expect(profileFor(['local', 'staging']).name).toBe('staging');
    expect(
      profileFor(['docker', 'local'], { docker: { concurrency: 1, spacingMs: undefined } }),
    ).toMatchObject({ name: 'docker_local', concurrency: 1, spacingMs: 0 });
    expect(TIER_PROFILES.staging.spacingMs).toBeGreaterThan(0);
  });
});

describe('the one table of execution profiles', () => {
  const rows: readonly unknown[] = Object.values(EXECUTION_PROFILES);

  it('every tier profile and every named profile is a row of the table', () => {
    for (const [tier, profile] of Object.entries(TIER_PROFILES)) expect(rows, tier).toContain(profile);
    for (const [name, profile] of Object.entries(PROFILES)) {
      expect(rows, name).toContain(profile);
      expect(profile.name).toBe(name);
    }
  });

  it('local is the same profile everywhere, scenario sizing included', () => {
    expect(TIER_PROFILES.local).toBe(PROFILES.local);
    expect(profileFor(['local'])).toEqual(PROFILES.local);
    expect(PROFILES.local.scenario).toEqual({ sessions: 50, runsPerSession: 2, fuzzFrames: 150 });
    expect(TIER_PROFILES.staging).toBe(PROFILES.staging);
  });

  it('every row sizes the scenario checks, growing with the concurrency it allows', () => {
    const byConcurrency = [...Object.values(EXECUTION_PROFILES)].sort(
      (a, b) => a.concurrency - b.concurrency,
    );
    for (const [index, profile] of byConcurrency.entries()) {
      expect(profile.scenario.sessions, profile.name).toBeGreaterThan(0);
      const gentler = byConcurrency[index - 1];
      if (gentler) expect(profile.scenario.sessions).toBeGreaterThan(gentler.scenario.sessions);
    }
  });

  it('TEST_MODE keeps the word earlier versions exported for the staging tier', () => {
    expect(testModeOf(TIER_PROFILES.staging)).toBe('staging_fallback');
    expect(testModeOf(TIER_PROFILES.docker)).toBe('docker_local');
    expect(testModeOf(TIER_PROFILES.local)).toBe('local');
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
