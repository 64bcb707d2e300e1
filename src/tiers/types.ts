/** The vocabulary shared by every tier: services, endpoints, probe results and decisions. */
import type { ServiceName, TierName } from '../config/index.js';
import type { ServerOptions } from '../server/index.js';

export type { ServiceName, TierName };

/** How a client gets a token the backend accepts. Never printed (see redact.ts). */
export type BackendAuth =
  | { kind: 'secret'; secret: string }
  | { kind: 'token'; token: string }
  | { kind: 'none' };

/** How the local tier starts the in-process reference backend (secret, host and port are its own). */
export type ReferenceServerOptions = Omit<ServerOptions, 'jwtSecret' | 'host' | 'port'>;

export type Endpoint =
  | {
      service: 'backend';
      wsUrl: string;
      httpUrl: string;
      auth: BackendAuth;
      /** An Origin the backend accepts, when known (the reference backend's). */
      allowedOrigin?: string;
      /** Set when this is the reference backend started in this process with these options. */
      reference?: ReferenceServerOptions;
    }
  | { service: 'postgres'; url: string }
  | { service: 'redis'; url: string };

export type EndpointOf<S extends ServiceName> = Extract<Endpoint, { service: S }>;

export interface ProbeResult {
  /** e.g. "http GET /health → 200", "ws aep.v1 ready". */
  probe: string;
  /** Where it looked, secrets removed. */
  target: string;
  ok: boolean;
  attempts: number;
  /** Duration of the last attempt. */
  latencyMs: number;
  /** Across all attempts and backoff pauses. */
  totalMs: number;
  /** What proved the service up (ok) or the last error (not ok). */
  detail: string;
}

interface DecisionBase {
  /** Milliseconds since resolution began. */
  atMs: number;
}

export type Decision = DecisionBase &
  (
    | { type: 'skipped'; service: ServiceName; tier: TierName; reason: string }
    | { type: 'detected'; tier: TierName; subject: string; ok: boolean; detail: string; latencyMs: number }
    | { type: 'started'; service: ServiceName; tier: TierName; source: string; latencyMs: number }
    | { type: 'probe'; service: ServiceName; tier: TierName; result: ProbeResult }
    | {
        type: 'failed';
        service: ServiceName;
        tier: TierName;
        source: string;
        reason: string;
        logs?: string[];
      }
    | { type: 'chosen'; service: ServiceName; tier: TierName; source: string; reason: string }
    | { type: 'unresolved'; service: ServiceName; reasons: string[] }
    | { type: 'policy'; message: string }
  );

/** What a tier reports for one service it tried. */
export type Attempt<S extends ServiceName = ServiceName> =
  | { ok: true; service: S; source: string; endpoint: EndpointOf<S>; readyMs: number }
  | { ok: false; service: S; reason: string };
