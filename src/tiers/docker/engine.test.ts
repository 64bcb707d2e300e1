import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectEngine } from './engine.js';

describe('detectEngine', () => {
  it('pings the real engine over the default socket in well under 1 s', async () => {
    const status = await detectEngine({ env: { PATH: process.env.PATH } });
    expect(status.state, 'start the engine with .ci/docker-up.sh').toBe('ready');
    expect(status.latencyMs).toBeLessThan(1_000);
    if (status.state === 'ready') expect(status.via).toBe('socket');
  });

  it('a dead DOCKER_HOST socket is "no engine", with the host and a fix, fast', async () => {
    const status = await detectEngine({
      env: { PATH: process.env.PATH, DOCKER_HOST: 'unix:///tmp/agentwire-none.sock' },
    });
    expect(status.state).toBe('no-engine');
    if (status.state !== 'no-engine') return;
    expect(status.detail).toContain('unix:///tmp/agentwire-none.sock');
    expect(status.detail).toContain('ENOENT');
    expect(status.fix).toContain('start the engine');
    expect(status.latencyMs).toBeLessThan(1_000);
  });

  it('no docker client on PATH and no engine is "no client"', async () => {
    const status = await detectEngine({
      env: { PATH: '/nonexistent', DOCKER_HOST: 'unix:///tmp/agentwire-none.sock' },
    });
    expect(status.state).toBe('no-client');
  });

  it('a socket that accepts but never answers times out as "no engine" within the budget', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentwire-sock-'));
    const path = join(dir, 'docker.sock');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(path, r));
    try {
      const status = await detectEngine({
        env: { PATH: process.env.PATH, DOCKER_HOST: `unix://${path}` },
        timeoutMs: 200,
      });
      expect(status.state).toBe('no-engine');
      expect(status.state !== 'ready' && status.detail).toContain('ETIMEDOUT');
      expect(status.latencyMs).toBeLessThan(1_000);
    } finally {
      silent.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
