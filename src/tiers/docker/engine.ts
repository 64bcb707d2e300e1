/**
 * Is a Docker engine usable, in well under a second? Pings `/_ping` over the socket named by
 * DOCKER_HOST (or the default sockets) and only falls back to the CLI for hosts it cannot reach
 * directly (ssh://…). Tells apart the three problems people hit: no client installed, no engine
 * running, and a socket they may not open.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { findExecutable } from '../which.js';

export type EngineStatus =
  | {
      state: 'ready';
      host: string;
      via: 'socket' | 'cli';
      version: string;
      client?: string;
      latencyMs: number;
    }
  | { state: 'no-client'; host: string; detail: string; fix: string; latencyMs: number }
  | { state: 'no-engine'; host: string; detail: string; fix: string; latencyMs: number }
  | { state: 'permission-denied'; host: string; detail: string; fix: string; latencyMs: number };

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DetectEngineOptions {
  env?: NodeJS.ProcessEnv;
  /** Per ping; the whole detection stays below roughly twice this. */
  timeoutMs?: number;
}

export async function detectEngine(options: DetectEngineOptions = {}): Promise<EngineStatus> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 400;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const client = findExecutable('docker', env);
  const hosts = candidateHosts(env);
  let firstFailure: { host: string; code: string; message: string } | undefined;

  for (const host of hosts) {
    if (!host.startsWith('unix://') && !host.startsWith('tcp://')) continue;
    try {
      const version = await ping(host, timeoutMs);
      return { state: 'ready', host, via: 'socket', version, client, latencyMs: elapsed() };
    } catch (error) {
      const failure = {
        host,
        code: (error as NodeJS.ErrnoException).code ?? 'ERROR',
        message: (error as Error).message,
      };
      firstFailure ??= failure;
      if (failure.code === 'EACCES') {
        return {
          state: 'permission-denied',
          host,
          detail: `cannot open ${host}: permission denied`,
          fix: 'add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker',
          latencyMs: elapsed(),
        };
      }
    }
  }

  const remote = hosts.find((host) => !host.startsWith('unix://') && !host.startsWith('tcp://'));
  if (remote && client) {
    const result = await execa(client, ['version', '--format', '{{.Server.Version}}'], {
      env,
      timeout: Math.max(timeoutMs * 2, 800),
      reject: false,
    });
    if (result.exitCode === 0 && result.stdout.trim()) {
      return {
        state: 'ready',
        host: remote,
        via: 'cli',
        version: result.stdout.trim(),
        client,
        latencyMs: elapsed(),
      };
    }
    firstFailure ??= {
      host: remote,
      code: 'CLI',
      message: String(result.stderr || result.shortMessage || '').split('\n')[0] ?? '',
    };
  }

  const host = firstFailure?.host ?? hosts[0] ?? DEFAULT_DOCKER_HOST;
  const compose = findExecutable('docker-compose', env);
  if (!client && !compose) {
    return {
      state: 'no-client',
      host,
      detail: 'no docker or docker-compose client on PATH',
      fix: 'install Docker (Debian: apt-get install docker.io docker-compose) or choose another tier with --tier local',
      latencyMs: elapsed(),
    };
  }
  return {
    state: 'no-engine',
    host,
    detail: `no engine answers at ${host}${firstFailure ? ` (${firstFailure.code}: ${firstFailure.message})` : ''}`,
    fix: 'start the engine (systemctl start docker, or dockerd &), or point DOCKER_HOST at a running one',
    latencyMs: elapsed(),
  };
}

/** DOCKER_HOST alone when set; otherwise the system socket, then the rootless one. */
function candidateHosts(env: NodeJS.ProcessEnv): string[] {
  if (env.DOCKER_HOST) return [env.DOCKER_HOST];
  const hosts = [DEFAULT_DOCKER_HOST];
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir && existsSync(join(runtimeDir, 'docker.sock')))
    hosts.push(`unix://${join(runtimeDir, 'docker.sock')}`);
  return hosts;
}

function ping(host: string, timeoutMs: number): Promise<string> {
  const target = host.startsWith('unix://')
    ? { socketPath: host.slice('unix://'.length), path: '/_ping' }
    : (() => {
        const url = new URL(host.replace(/^tcp:/, 'http:'));
        return { host: url.hostname, port: Number(url.port || 2375), path: '/_ping' };
      })();
  return new Promise((resolvePing, reject) => {
    const req = request({ ...target, method: 'GET', timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        if (response.statusCode === 200 && body.trim() === 'OK') {
          resolvePing(String(response.headers['api-version'] ?? 'unknown API version'));
        } else {
          reject(
            Object.assign(new Error(`/_ping answered ${response.statusCode}: ${body.slice(0, 80)}`), {
              code: 'BAD_PING',
            }),
          );
        }
      });
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  });
}
