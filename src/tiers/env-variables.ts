/**
 * The variables a test runner needs to reach the resolved environment. The names older suites use
 * (TEST_WEBSOCKET_URL, TEST_MODE) are kept so existing suites work unchanged.
 */
import { type TierProfile, testModeOf } from './profiles.js';
import { redactUrl } from './redact.js';
import type { Endpoint, ServiceName, TierName } from './types.js';

export type EnvVariables = Record<string, string>;

export interface ResolvedService {
  service: ServiceName;
  tier: TierName;
  source: string;
  endpoint: Endpoint;
  /** From the start of this tier's attempt to the last probe passing. */
  readyMs: number;
}

export function environmentVariables(
  services: Partial<Record<ServiceName, ResolvedService>>,
  profile: TierProfile,
  options: { redact: boolean },
): EnvVariables {
  const shown = (url: string) => (options.redact ? redactUrl(url) : url);
  const variables: EnvVariables = {};
  const backend = services.backend?.endpoint;
  if (backend?.service === 'backend') {
    variables.AGENTWIRE_WS_URL = backend.wsUrl;
    variables.AGENTWIRE_HTTP_URL = backend.httpUrl;
    variables.TEST_WEBSOCKET_URL = backend.wsUrl;
    // What a test runner needs to connect: only in the env file `up` writes, never printed.
    if (!options.redact && backend.auth.kind === 'secret')
      variables.AGENTWIRE_JWT_SECRET = backend.auth.secret;
    if (!options.redact && backend.auth.kind === 'token') variables.AGENTWIRE_TOKEN = backend.auth.token;
  }
  const postgres = services.postgres?.endpoint;
  if (postgres?.service === 'postgres') variables.DATABASE_URL = shown(postgres.url);
  const redis = services.redis?.endpoint;
  if (redis?.service === 'redis') variables.REDIS_URL = shown(redis.url);
  variables.TEST_MODE = testModeOf(profile);
  return variables;
}

/** `export NAME='value'` lines, safe for sh. */
export function toShellExports(variables: EnvVariables): string {
  return Object.entries(variables)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join('\n');
}
