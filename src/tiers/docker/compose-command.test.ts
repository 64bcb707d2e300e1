import { describe, expect, it } from 'vitest';
import { composeArgs, detectCompose, uniqueProjectName } from './compose-command.js';

const project = { name: 'agentwire-1-abc', files: ['/p/compose.yaml', '/p/compose.ci.yaml'] };

describe('compose arguments', () => {
  it('v2 runs as a docker subcommand, v1 as docker-compose; both get -p and every -f', () => {
    expect(composeArgs({ version: 'v2' }, project, { action: 'up', services: ['backend', 'redis'] })).toEqual(
      [
        'compose',
        '-p',
        'agentwire-1-abc',
        '-f',
        '/p/compose.yaml',
        '-f',
        '/p/compose.ci.yaml',
        'up',
        '-d',
        '--no-color',
        'backend',
        'redis',
      ],
    );
    expect(composeArgs({ version: 'v1' }, project, { action: 'up', services: ['backend'] })).toEqual([
      '-p',
      'agentwire-1-abc',
      '-f',
      '/p/compose.yaml',
      '-f',
      '/p/compose.ci.yaml',
      'up',
      '-d',
      'backend',
    ]);
  });

  it('never relies on --wait (v1 lacks it); down removes volumes and orphans; logs take the last N lines', () => {
    for (const version of ['v1', 'v2'] as const) {
      const up = composeArgs({ version }, project, { action: 'up', services: [] });
      expect(up).not.toContain('--wait');
      expect(composeArgs({ version }, project, { action: 'down', timeoutS: 2 }).slice(-5)).toEqual([
        'down',
        '--volumes',
        '--remove-orphans',
        '--timeout',
        '2',
      ]);
      expect(
        composeArgs({ version }, project, { action: 'logs', service: 'backend', tail: 20 }).slice(-5),
      ).toEqual(['logs', '--no-color', '--tail', '20', 'backend']);
    }
  });

  it('project names are unique and valid for both versions', () => {
    const a = uniqueProjectName('My App');
    expect(a).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
    expect(uniqueProjectName('x')).not.toBe(uniqueProjectName('x'));
  });
});

describe('detectCompose on this machine', () => {
  it('finds v1 (docker-compose, installed by .ci/docker-up.sh); the v2 plugin is not installable from Debian 12 here', async () => {
    const compose = await detectCompose();
    expect(compose, 'docker-compose missing: run .ci/docker-up.sh').toBeDefined();
    expect(compose?.version).toBe('v1');
    expect(compose?.versionText).toMatch(/^1\.\d+/);
  });

  it('finds nothing when PATH holds no client', async () => {
    expect(await detectCompose({ PATH: '/nonexistent' })).toBeUndefined();
  });
});
