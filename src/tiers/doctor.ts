/**
 * `agentwire doctor`: what this machine offers each tier, each problem with its fix. Reads
 * only; starts nothing.
 */
import { connect } from 'node:net';
import { ConfigError, type LoadedConfig, loadConfig } from '../config/index.js';
import { detectCompose } from './docker/compose-command.js';
import { detectEngine } from './docker/engine.js';
import { portHolder } from './port-holder.js';
import { findExecutable } from './which.js';

export interface DoctorFinding {
  subject: string;
  status: 'ok' | 'warn' | 'error';
  detail: string;
  fix?: string;
}

export async function diagnose(
  options: { cwd?: string; configPath?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<DoctorFinding[]> {
  const env = options.env ?? process.env;
  const findings: DoctorFinding[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  findings.push(
    major >= 20
      ? { subject: 'node', status: 'ok', detail: process.version }
      : {
          subject: 'node',
          status: 'error',
          detail: `${process.version} is too old`,
          fix: 'install Node 20 or newer',
        },
  );

  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig({ cwd: options.cwd, configPath: options.configPath });
    findings.push(
      loaded
        ? { subject: 'config', status: 'ok', detail: `${loaded.path} is valid` }
        : {
            subject: 'config',
            status: 'ok',
            detail: 'no agentwire.config.{json,yaml} found: the embedded default (reference backend) is used',
          },
    );
  } catch (error) {
    findings.push({
      subject: 'config',
      status: 'error',
      detail: error instanceof ConfigError ? error.message : String(error),
      fix: 'correct the config as listed (docs/environment.md describes every field)',
    });
  }

  const [engine, compose] = await Promise.all([detectEngine({ env }), detectCompose(env)]);
  findings.push(
    engine.state === 'ready'
      ? {
          subject: 'docker engine',
          status: 'ok',
          detail: `${engine.host} (API ${engine.version}, ${engine.latencyMs} ms)`,
        }
      : {
          subject: 'docker engine',
          status: 'warn',
          detail: `${engine.state}: ${engine.detail}`,
          fix: engine.fix,
        },
  );
  findings.push(
    compose
      ? {
          subject: 'docker compose',
          status: 'ok',
          detail: `${compose.version} ${compose.versionText} (${compose.executable})`,
        }
      : {
          subject: 'docker compose',
          status: 'warn',
          detail: 'neither "docker compose" (v2) nor "docker-compose" (v1) works',
          fix: 'install the compose plugin or docker-compose (Debian: apt-get install docker-compose)',
        },
  );
  for (const binary of ['redis-server'] as const) {
    const path = findExecutable(binary, env);
    findings.push(
      path
        ? { subject: binary, status: 'ok', detail: path }
        : {
            subject: binary,
            status: 'warn',
            detail: 'not on PATH: the local redis provider cannot start one',
            fix: 'apt-get install redis-server, or reuse a running Redis (services.redis.local.url)',
          },
    );
  }

  const ports = new Map<number, string>([
    [5432, 'postgres default'],
    [6379, 'redis default'],
  ]);
  const services = loaded?.config.services;
  if (services?.backend?.docker) ports.set(services.backend.docker.port, 'backend docker port');
  if (services?.postgres?.docker) ports.set(services.postgres.docker.port, 'postgres docker port');
  if (services?.redis?.docker) ports.set(services.redis.docker.port, 'redis docker port');
  const provider = services?.backend?.local?.provider;
  if (provider?.type === 'command' && provider.port) ports.set(provider.port, 'backend command port');
  for (const [port, role] of ports) {
    const open = await isListening(port);
    if (!open) {
      findings.push({ subject: `port ${port}`, status: 'ok', detail: `free (${role})` });
      continue;
    }
    const holder = (await portHolder(port)) ?? 'an unknown process';
    const expectsFree = role.includes('docker') || role.includes('command');
    findings.push({
      subject: `port ${port}`,
      status: expectsFree ? 'warn' : 'ok',
      detail: `in use by ${holder} (${role})`,
      ...(expectsFree ? { fix: `stop ${holder} or change the ${role} in the config` } : {}),
    });
  }

  const staging = services?.backend?.staging;
  for (const name of [staging?.tokenEnv, staging?.jwtSecretEnv].filter((n): n is string => !!n)) {
    findings.push(
      env[name]
        ? { subject: `env ${name}`, status: 'ok', detail: 'set (value not shown)' }
        : {
            subject: `env ${name}`,
            status: 'warn',
            detail: 'not set: staging probes run without credentials',
            fix: `export ${name}=… before running`,
          },
    );
  }
  if (env.USE_STAGING_FALLBACK === 'true') {
    findings.push(
      env.STAGING_WEBSOCKET_URL
        ? {
            subject: 'staging fallback',
            status: 'ok',
            detail: `USE_STAGING_FALLBACK=true, STAGING_WEBSOCKET_URL=${env.STAGING_WEBSOCKET_URL}`,
          }
        : {
            subject: 'staging fallback',
            status: 'warn',
            detail: 'USE_STAGING_FALLBACK=true without STAGING_WEBSOCKET_URL',
            fix: 'export STAGING_WEBSOCKET_URL=wss://…/ws',
          },
    );
  }
  return findings;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(300);
    socket.once('connect', () => {
      socket.destroy();
      resolveCheck(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveCheck(false);
    });
    socket.once('error', () => resolveCheck(false));
  });
}
