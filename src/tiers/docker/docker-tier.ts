/**
 * The docker tier: one compose project (unique name) for every service that chose docker, `up
 * -d`, then our own probes per service. A service that fails gets the last probe error and the
 * last 20 log lines of its container. The project is taken down on release, exit and signals.
 */
import { execa, execaSync } from 'execa';
import type { AgentwireConfig } from '../../config/index.js';
import type { TierContext } from '../context.js';
import { probeService } from '../context.js';
import type { TierError } from '../errors.js';
import { type PlannedProbe, type ProbeTiming, planProbes } from '../probes/index.js';
import type { Attempt, BackendAuth, Endpoint, ServiceName } from '../types.js';
import {
  type ComposeCommand,
  type ComposeProject,
  composeArgs,
  detectCompose,
  uniqueProjectName,
} from './compose-command.js';
import { resolveComposeFiles } from './compose-files.js';
import { detectEngine } from './engine.js';

/** Containers take a while to start on slow storage: up to ~40 s before giving up. */
const CONTAINER_TIMING: ProbeTiming = { timeoutMs: 2_000, retries: 25, backoffMs: 100 };
export const LOG_TAIL_LINES = 20;

interface DockerTarget {
  service: ServiceName;
  composeService: string;
  endpoint: Endpoint;
  probes: PlannedProbe[];
}

export async function resolveDockerTier(
  services: readonly ServiceName[],
  context: TierContext,
): Promise<Attempt[]> {
  const fail = (reason: string): Attempt[] => services.map((service) => ({ ok: false, service, reason }));
  const engine = await detectEngine({ env: context.env });
  context.log.add({
    type: 'detected',
    tier: 'docker',
    subject: 'engine',
    ok: engine.state === 'ready',
    detail:
      engine.state === 'ready'
        ? `${engine.host} via ${engine.via} (API ${engine.version})`
        : `${engine.state}: ${engine.detail}`,
    latencyMs: engine.latencyMs,
  });
  if (engine.state !== 'ready') return fail(`docker ${engine.state}: ${engine.detail} (fix: ${engine.fix})`);

  const started = performance.now();
  const compose = await detectCompose(context.env);
  context.log.add({
    type: 'detected',
    tier: 'docker',
    subject: 'compose',
    ok: compose !== undefined,
    detail: compose
      ? `${compose.version} ${compose.versionText} (${compose.executable})`
      : 'neither "docker compose" nor "docker-compose" works',
    latencyMs: Math.round(performance.now() - started),
  });
  if (!compose) return fail('no compose: install the compose plugin (docker compose) or docker-compose');

  let files: string[];
  try {
    files = resolveComposeFiles(context.config.docker?.compose, context.baseDir);
  } catch (error) {
    return fail((error as TierError).message);
  }

  const targets = services.map((service) => targetFor(service, context));
  const project: ComposeProject = {
    name: uniqueProjectName(context.config.docker?.projectPrefix ?? 'agentwire'),
    files,
  };
  const run = (args: string[], timeout: number) =>
    execa(compose.executable, args, {
      env: context.env,
      cwd: context.baseDir,
      timeout,
      reject: false,
      stdin: 'ignore',
    });
  context.teardown.add({
    name: `compose project ${project.name}`,
    resource: {
      kind: 'compose',
      name: `compose project ${project.name}`,
      project: project.name,
      executable: compose.executable,
      downArgs: composeArgs(compose, project, { action: 'down', timeoutS: 2 }),
      cwd: context.baseDir,
    },
    stop: async () => {
      const result = await run(composeArgs(compose, project, { action: 'down', timeoutS: 2 }), 60_000);
      if (result.exitCode !== 0)
        throw new Error(`compose down failed: ${tail(String(result.stderr)).join(' | ')}`);
    },
    stopSync: () => {
      execaSync(compose.executable, composeArgs(compose, project, { action: 'down', timeoutS: 1 }), {
        env: context.env,
        cwd: context.baseDir,
        reject: false,
        timeout: 30_000,
        stdin: 'ignore',
      });
    },
  });

  const upStarted = performance.now();
  const upTimeout = context.config.docker?.upTimeoutMs ?? 120_000;
  const up = await run(
    composeArgs(compose, project, { action: 'up', services: targets.map((t) => t.composeService) }),
    upTimeout,
  );
  if (up.exitCode !== 0) {
    const lines = tail(`${up.stdout}\n${up.stderr}`);
    for (const target of targets) {
      context.log.add({
        type: 'failed',
        service: target.service,
        tier: 'docker',
        source: `compose project ${project.name}`,
        reason: 'compose up failed',
        logs: lines,
      });
    }
    return fail(`compose up failed (exit ${up.exitCode ?? up.signal}): ${lines.slice(-3).join(' | ')}`);
  }
  for (const target of targets) {
    context.log.add({
      type: 'started',
      service: target.service,
      tier: 'docker',
      source: `compose service ${target.composeService} in project ${project.name}`,
      latencyMs: Math.round(performance.now() - upStarted),
    });
  }

  return Promise.all(
    targets.map(async (target): Promise<Attempt> => {
      const source = `compose service ${target.composeService}`;
      const probed = await probeService(context, 'docker', target.service, target.endpoint, target.probes);
      if (probed.ok) {
        return {
          ok: true,
          service: target.service,
          source,
          endpoint: target.endpoint,
          readyMs: Math.round(performance.now() - started),
        } as Attempt;
      }
      const logs = await serviceLogs(compose, project, target.composeService, context);
      context.log.add({
        type: 'failed',
        service: target.service,
        tier: 'docker',
        source,
        reason: probed.reason,
        logs,
      });
      const shown = logs.length
        ? `; last ${logs.length} log lines of ${target.composeService}:\n${logs.join('\n')}`
        : `; ${target.composeService} wrote no logs`;
      return { ok: false, service: target.service, reason: `${probed.reason}${shown}` };
    }),
  );
}

async function serviceLogs(
  compose: ComposeCommand,
  project: ComposeProject,
  service: string,
  context: TierContext,
): Promise<string[]> {
  const result = await execa(
    compose.executable,
    composeArgs(compose, project, { action: 'logs', service, tail: LOG_TAIL_LINES }),
    {
      env: context.env,
      cwd: context.baseDir,
      timeout: 10_000,
      reject: false,
      stdin: 'ignore',
    },
  );
  return tail(`${result.stdout}\n${result.stderr}`)
    .filter((line) => !/^Attaching to /.test(line))
    .slice(-LOG_TAIL_LINES);
}

function tail(text: string, lines = LOG_TAIL_LINES): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(-lines);
}

function targetFor(service: ServiceName, context: TierContext): DockerTarget {
  const services: AgentwireConfig['services'] = context.config.services;
  const host = '127.0.0.1';
  switch (service) {
    case 'backend': {
      const spec = services.backend!.docker!;
      const endpoint: Endpoint = {
        service,
        wsUrl: `ws://${host}:${spec.port}${spec.wsPath}`,
        httpUrl: `http://${host}:${spec.port}`,
        auth: authFrom(spec, context.env),
      };
      return {
        service,
        composeService: spec.service,
        endpoint,
        probes: planProbes(service, spec.probes, CONTAINER_TIMING),
      };
    }
    case 'postgres': {
      const spec = services.postgres!.docker!;
      const password = spec.passwordEnv ? context.env[spec.passwordEnv] : undefined;
      const credentials = password
        ? `${encodeURIComponent(spec.user)}:${encodeURIComponent(password)}`
        : encodeURIComponent(spec.user);
      const endpoint: Endpoint = {
        service,
        url: `postgres://${credentials}@${host}:${spec.port}/${encodeURIComponent(spec.database)}`,
      };
      return {
        service,
        composeService: spec.service,
        endpoint,
        probes: planProbes(service, spec.probes, CONTAINER_TIMING),
      };
    }
    case 'redis': {
      const spec = services.redis!.docker!;
      const endpoint: Endpoint = { service, url: `redis://${host}:${spec.port}` };
      return {
        service,
        composeService: spec.service,
        endpoint,
        probes: planProbes(service, spec.probes, CONTAINER_TIMING),
      };
    }
  }
}

/** A ready-made token wins over a secret; neither means probes go without credentials. */
export function authFrom(
  spec: { tokenEnv?: string; jwtSecretEnv?: string },
  env: NodeJS.ProcessEnv,
): BackendAuth {
  const token = spec.tokenEnv ? env[spec.tokenEnv] : undefined;
  if (token) return { kind: 'token', token };
  const secret = spec.jwtSecretEnv ? env[spec.jwtSecretEnv] : undefined;
  if (secret) return { kind: 'secret', secret };
  return { kind: 'none' };
}
