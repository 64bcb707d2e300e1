/**
 * The staging tier: a shared environment somebody else runs. Probes only, never starts
 * anything; the token (or signing secret) is read from the env var the config names.
 */
import { probeService, type TierContext } from '../context.js';
import { authFrom } from '../docker/docker-tier.js';
import { httpBaseOf } from '../local/local-tier.js';
import { planProbes, REMOTE_TIMING } from '../probes/index.js';
import { redactUrl } from '../redact.js';
import type { Attempt, Endpoint, ServiceName } from '../types.js';

export async function resolveStagingTier(
  services: readonly ServiceName[],
  context: TierContext,
): Promise<Attempt[]> {
  return Promise.all(services.map((service) => resolveStagingService(service, context)));
}

async function resolveStagingService(service: ServiceName, context: TierContext): Promise<Attempt> {
  const started = performance.now();
  const target = stagingEndpoint(service, context);
  if ('problem' in target) {
    context.log.add({ type: 'failed', service, tier: 'staging', source: 'staging', reason: target.problem });
    return { ok: false, service, reason: target.problem };
  }
  const source = `staging ${target.label}`;
  const probed = await probeService(
    context,
    'staging',
    service,
    target.endpoint,
    planProbes(service, target.probes, REMOTE_TIMING),
  );
  if (probed.ok)
    return {
      ok: true,
      service,
      source,
      endpoint: target.endpoint,
      readyMs: Math.round(performance.now() - started),
    } as Attempt;
  context.log.add({ type: 'failed', service, tier: 'staging', source, reason: probed.reason });
  return { ok: false, service, reason: `${source}: ${probed.reason}` };
}

type StagingTarget =
  | { endpoint: Endpoint; label: string; probes: Parameters<typeof planProbes>[1] }
  | { problem: string };

function stagingEndpoint(service: ServiceName, context: TierContext): StagingTarget {
  const { services } = context.config;
  switch (service) {
    case 'backend': {
      const spec = services.backend!.staging!;
      const auth = authFrom(spec, context.env);
      const missing = [spec.tokenEnv, spec.jwtSecretEnv].filter(
        (name): name is string => !!name && !context.env[name],
      );
      if (auth.kind === 'none' && missing.length) {
        context.log.add({
          type: 'policy',
          message: `staging credentials: env ${missing.join(', ')} not set, probing without a token`,
        });
      }
      return {
        endpoint: { service, wsUrl: spec.wsUrl, httpUrl: spec.httpUrl ?? httpBaseOf(spec.wsUrl), auth },
        label: `backend at ${redactUrl(spec.wsUrl)}`,
        probes: spec.probes,
      };
    }
    case 'postgres':
    case 'redis': {
      const spec = services[service]!.staging!;
      const url = context.env[spec.urlEnv];
      if (!url)
        return {
          problem: `env ${spec.urlEnv} (named by services.${service}.staging.urlEnv) is not set: export the staging ${service} URL in it`,
        };
      const endpoint: Endpoint = service === 'postgres' ? { service, url } : { service, url };
      return { endpoint, label: `${service} at ${redactUrl(url)}`, probes: spec.probes };
    }
  }
}
