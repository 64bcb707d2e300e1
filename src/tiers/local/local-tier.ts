/**
 * The local tier: reuse a service already running on this machine when its probes pass and the
 * config allows it; otherwise start one (reference backend in-process, a user command, PGlite,
 * a native redis-server) on a free port, probe it, and register it for teardown.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { backendProbeSchema, type ProbeSpec } from '../../config/index.js';
import { startServer } from '../../server/index.js';
import { probeService, type TierContext } from '../context.js';
import { authFrom } from '../docker/docker-tier.js';
import { TierErrorCode, tierError } from '../errors.js';
import { freePort } from '../free-port.js';
import { portHolder } from '../port-holder.js';
import { planProbes, REUSE_TIMING, STARTUP_TIMING } from '../probes/index.js';
import { redactUrl } from '../redact.js';
import type { Attempt, Endpoint, ServiceName } from '../types.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { ManagedProcess } from './managed-process.js';
import { startNativeRedis } from './redis-server.js';

type Started = { source: string; endpoint: Endpoint; process?: ManagedProcess };

export async function resolveLocalTier(
  services: readonly ServiceName[],
  context: TierContext,
): Promise<Attempt[]> {
  return Promise.all(services.map((service) => resolveLocalService(service, context)));
}

async function resolveLocalService(service: ServiceName, context: TierContext): Promise<Attempt> {
  const started = performance.now();
  const reasons: string[] = [];
  const probesSpec = context.config.services[service]?.local?.probes;

  const running = runningEndpoint(service, context);
  if (running) {
    if (running.reuse) {
      const source = `running ${running.label}`;
      const probed = await probeService(
        context,
        'local',
        service,
        running.endpoint,
        planProbes(service, probesSpec, REUSE_TIMING),
      );
      if (probed.ok)
        return {
          ok: true,
          service,
          source: `${source} (reused)`,
          endpoint: running.endpoint,
          readyMs: elapsed(started),
        } as Attempt;
      context.log.add({ type: 'failed', service, tier: 'local', source, reason: probed.reason });
      reasons.push(`${source}: ${probed.reason}`);
    } else {
      reasons.push(`running ${running.label} not tried (reuse: false)`);
    }
  }

  const startedAt = performance.now();
  let provided: Started | undefined;
  try {
    provided = await startProvider(service, context);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.log.add({ type: 'failed', service, tier: 'local', source: 'local provider', reason });
    reasons.push(reason);
  }
  if (!provided) {
    if (!reasons.length) reasons.push('no local provider configured');
    return { ok: false, service, reason: reasons.join('; ') };
  }
  context.log.add({
    type: 'started',
    service,
    tier: 'local',
    source: provided.source,
    latencyMs: elapsed(startedAt),
  });

  const abort = new AbortController();
  void provided.process?.exited.then(() => abort.abort());
  const probed = await probeService(
    context,
    'local',
    service,
    provided.endpoint,
    planProbes(service, probesSpec ?? faultTolerantProbes(provided.endpoint), STARTUP_TIMING),
    abort.signal,
  );
  if (probed.ok)
    return {
      ok: true,
      service,
      source: provided.source,
      endpoint: provided.endpoint,
      readyMs: elapsed(started),
    } as Attempt;

  const logs = provided.process?.logTail() ?? [];
  const exit = provided.process && !provided.process.running ? ` (${provided.process.describeExit()})` : '';
  context.log.add({
    type: 'failed',
    service,
    tier: 'local',
    source: provided.source,
    reason: `${probed.reason}${exit}`,
    logs,
  });
  const shown = logs.length ? `; last ${logs.length} log lines:\n${logs.join('\n')}` : '';
  reasons.push(`${provided.source}${exit}: ${probed.reason}${shown}`);
  return { ok: false, service, reason: reasons.join('; ') };
}

function runningEndpoint(
  service: ServiceName,
  context: TierContext,
): { endpoint: Endpoint; label: string; reuse: boolean } | undefined {
  const { services } = context.config;
  switch (service) {
    case 'backend': {
      const spec = services.backend?.local;
      if (!spec?.wsUrl) return undefined;
      const httpUrl = spec.httpUrl ?? httpBaseOf(spec.wsUrl);
      return {
        endpoint: { service, wsUrl: spec.wsUrl, httpUrl, auth: authFrom(spec, context.env) },
        label: `backend at ${spec.wsUrl}`,
        reuse: spec.reuse,
      };
    }
    case 'postgres': {
      const spec = services.postgres?.local;
      return spec
        ? {
            endpoint: { service, url: spec.url },
            label: `postgres at ${redactUrl(spec.url)}`,
            reuse: spec.reuse,
          }
        : undefined;
    }
    case 'redis': {
      const spec = services.redis?.local;
      return spec
        ? {
            endpoint: { service, url: spec.url },
            label: `redis at ${redactUrl(spec.url)}`,
            reuse: spec.reuse,
          }
        : undefined;
    }
  }
}

async function startProvider(service: ServiceName, context: TierContext): Promise<Started | undefined> {
  const { services } = context.config;
  switch (service) {
    case 'backend': {
      const spec = services.backend?.local;
      const provider = spec?.provider;
      if (!spec || !provider) return undefined;
      const secret =
        (spec.jwtSecretEnv ? context.env[spec.jwtSecretEnv] : undefined) ??
        context.env.AGENTWIRE_JWT_SECRET ??
        randomBytes(32).toString('base64url');
      if (provider.type === 'reference') {
        const reference = { logLevel: 'silent' as const, ...context.referenceServer };
        const server = await startServer({ ...reference, jwtSecret: secret, host: '127.0.0.1', port: 0 });
        context.teardown.add({ name: 'reference backend', stop: () => server.close() });
        return {
          source: 'reference backend in-process',
          endpoint: {
            service,
            wsUrl: server.wsUrl,
            httpUrl: server.httpUrl,
            auth: { kind: 'secret', secret },
            reference,
            ...(reference.allowedOrigins?.[0] ? { allowedOrigin: reference.allowedOrigins[0] } : {}),
          },
        };
      }
      const port = provider.port ?? (await freePort());
      if (provider.port !== undefined) await assertPortFree(provider.port);
      const command = provider.command.replaceAll('{port}', String(port));
      const env: NodeJS.ProcessEnv = {
        ...context.env,
        ...provider.env,
        PORT: String(port),
        AGENTWIRE_JWT_SECRET: secret,
      };
      if (spec.jwtSecretEnv) env[spec.jwtSecretEnv] = secret;
      const process = new ManagedProcess({
        name: `backend command "${provider.command}"`,
        file: command,
        shell: true,
        cwd: resolve(context.baseDir, provider.cwd ?? '.'),
        env,
        secrets: [secret],
      });
      process.registerWith(context.teardown);
      return {
        source: `command "${provider.command}" (pid ${process.pid}, port ${port})`,
        endpoint: {
          service,
          wsUrl: `ws://127.0.0.1:${port}${provider.wsPath}`,
          httpUrl: `http://127.0.0.1:${port}`,
          auth: { kind: 'secret', secret },
        },
        process,
      };
    }
    case 'postgres': {
      const provider = services.postgres?.local?.provider;
      if (!provider) return undefined;
      const postgres = await startEmbeddedPostgres();
      context.teardown.add({ name: 'embedded postgres', stop: () => postgres.stop() });
      return { source: 'embedded postgres (PGlite)', endpoint: { service, url: postgres.url } };
    }
    case 'redis': {
      const provider = services.redis?.local?.provider;
      if (!provider) return undefined;
      const redis = await startNativeRedis(provider.binary, context.env);
      redis.process.registerWith(context.teardown);
      return {
        source: `redis-server (pid ${redis.process.pid}, ${redis.url})`,
        endpoint: { service, url: redis.url },
        process: redis.process,
      };
    }
  }
}

async function assertPortFree(port: number): Promise<void> {
  const holder = await portHolder(port);
  if (holder) {
    throw tierError(
      TierErrorCode.portInUse,
      `port ${port} is in use by ${holder}: stop it, or remove "port" from the provider so a free one is chosen`,
    );
  }
}

export function httpBaseOf(wsUrl: string): string {
  const url = new URL(wsUrl);
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

const elapsed = (since: number) => Math.round(performance.now() - since);

/**
 * A reference backend started with faults may break the AEP/1 handshake on purpose (no-ready,
 * for one); its readiness is then judged by /health alone so the checks get to report the fault.
 */
function faultTolerantProbes(endpoint: Endpoint): ProbeSpec[] | undefined {
  if (endpoint.service !== 'backend' || !endpoint.reference?.faults?.length) return undefined;
  return [backendProbeSchema.parse({ type: 'http', path: '/health', jsonField: 'status', jsonEquals: 'ok' })];
}
