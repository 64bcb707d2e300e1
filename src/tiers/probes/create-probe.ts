/** The factory from config probe specs (or a service's defaults) to probes with timings. */
import type { ProbeSpec } from '../../config/index.js';
import type { ServiceName } from '../types.js';
import { HttpProbe } from './http-probe.js';
import { PostgresProbe } from './postgres-probe.js';
import type { Probe, ProbeTiming } from './probe.js';
import { RedisProbe } from './redis-probe.js';
import { TcpProbe } from './tcp-probe.js';
import { WsProbe } from './ws-probe.js';

export interface PlannedProbe {
  probe: Probe;
  timing: ProbeTiming;
}

export function createProbe(spec: ProbeSpec): Probe {
  switch (spec.type) {
    case 'tcp':
      return new TcpProbe();
    case 'http':
      return new HttpProbe({
        path: spec.path,
        status: spec.status,
        jsonField: spec.jsonField,
        jsonEquals: spec.jsonEquals,
      });
    case 'ws':
      return new WsProbe();
    case 'postgres':
      return new PostgresProbe();
    case 'redis':
      return new RedisProbe();
  }
}

/** What proves each kind of service up when the config names no probes. */
export function defaultProbeSpecs(service: ServiceName): ProbeSpec[] {
  switch (service) {
    case 'backend':
      return [
        { type: 'http', path: '/health', status: 200, jsonField: 'status', jsonEquals: 'ok' },
        { type: 'ws' },
      ];
    case 'postgres':
      return [{ type: 'postgres' }];
    case 'redis':
      return [{ type: 'redis' }];
  }
}

export function planProbes(
  service: ServiceName,
  specs: readonly ProbeSpec[] | undefined,
  timing: ProbeTiming,
): PlannedProbe[] {
  return (specs ?? defaultProbeSpecs(service)).map((spec) => ({
    probe: createProbe(spec),
    timing: {
      timeoutMs: spec.timeoutMs ?? timing.timeoutMs,
      retries: spec.retries ?? timing.retries,
      backoffMs: spec.backoffMs ?? timing.backoffMs,
    },
  }));
}
