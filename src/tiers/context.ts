/** What every tier receives from the resolver. */
import type { AgentwireConfig } from '../config/index.js';
import type { DecisionLog } from './decision-log.js';
import type { PlannedProbe } from './probes/index.js';
import { runProbe } from './probes/index.js';
import type { Teardown } from './teardown.js';
import type { Endpoint, ReferenceServerOptions, ServiceName, TierName } from './types.js';

export interface TierContext {
  config: AgentwireConfig;
  /** Relative paths in the config resolve against this directory. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  log: DecisionLog;
  teardown: Teardown;
  signal?: AbortSignal;
  /** Options for the in-process reference backend, when the local tier starts one. */
  referenceServer?: ReferenceServerOptions;
}

/** Runs a service's probes in order, logging each; the first failure ends the run. */
export async function probeService(
  context: TierContext,
  tier: TierName,
  service: ServiceName,
  endpoint: Endpoint,
  probes: readonly PlannedProbe[],
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  for (const { probe, timing } of probes) {
    const result = await runProbe(probe, endpoint, timing, signal ?? context.signal);
    context.log.add({ type: 'probe', service, tier, result });
    if (!result.ok) {
      return {
        ok: false,
        reason: `probe ${result.probe} on ${result.target} failed after ${result.attempts} attempt(s): ${result.detail}`,
      };
    }
  }
  return { ok: true };
}
