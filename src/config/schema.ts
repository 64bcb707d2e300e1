/**
 * The shape of agentwire.config.{json,yaml}: which services a run needs and, per tier, how to
 * get each one. Probe kinds are limited per service (a Redis service cannot have a ws probe),
 * so a config that passes validation describes something the tiers can actually do.
 */
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName, TIER_NAMES, type TierName } from './names.js';

export { SERVICE_NAMES, type ServiceName, TIER_NAMES, type TierName };

const tierName = z.enum(TIER_NAMES);
const port = z.number().int().min(1).max(65535);
const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable, not its value');
const urlPath = z.string().startsWith('/', 'must start with "/"');
const wsUrl = z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' });
const redisUrl = z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' });

const probeTiming = {
  /** Per attempt. */
  timeoutMs: z.number().int().positive().optional(),
  /** Attempts after the first. */
  retries: z.number().int().min(0).max(100).optional(),
  /** Wait before the first retry; doubles each retry, capped at 2 s. */
  backoffMs: z.number().int().min(0).optional(),
};

const tcpProbe = z.strictObject({ type: z.literal('tcp'), ...probeTiming });
const httpProbe = z.strictObject({
  type: z.literal('http'),
  path: urlPath.default('/health'),
  status: z.number().int().min(100).max(599).default(200),
  /** Dotted path of a field in the JSON body that must equal `jsonEquals`, e.g. "status". */
  jsonField: z.string().min(1).optional(),
  jsonEquals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  ...probeTiming,
});
const wsProbe = z.strictObject({ type: z.literal('ws'), ...probeTiming });
const postgresProbe = z.strictObject({ type: z.literal('postgres'), ...probeTiming });
const redisProbe = z.strictObject({ type: z.literal('redis'), ...probeTiming });

export const backendProbeSchema = z.discriminatedUnion('type', [tcpProbe, httpProbe, wsProbe]);
export const postgresProbeSchema = z.discriminatedUnion('type', [tcpProbe, postgresProbe]);
export const redisProbeSchema = z.discriminatedUnion('type', [tcpProbe, redisProbe]);
export type ProbeSpec = z.infer<
  typeof backendProbeSchema | typeof postgresProbeSchema | typeof redisProbeSchema
>;

const backendAuth = {
  /** Env var holding the HS256 secret the backend verifies tokens with (tokens are minted from it). */
  jwtSecretEnv: envVarName.optional(),
  /** Env var holding a ready-made bearer token. */
  tokenEnv: envVarName.optional(),
};

const backendDocker = z.strictObject({
  service: z.string().min(1).default('backend'),
  /** Port the service listens on, on 127.0.0.1 (published or host network). */
  port,
  wsPath: urlPath.default('/ws'),
  ...backendAuth,
  probes: z.array(backendProbeSchema).min(1).optional(),
});
const backendCommand = z.strictObject({
  type: z.literal('command'),
  /** Run through the shell; "{port}" is replaced by the chosen port, also given as env PORT. */
  command: z.string().min(1),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** Fixed port; a free one is chosen when omitted. */
  port: port.optional(),
  wsPath: urlPath.default('/ws'),
  startTimeoutMs: z.number().int().positive().default(20_000),
});
const backendLocal = z.strictObject({
  /** An already running backend to reuse when its probes pass. */
  wsUrl: wsUrl.optional(),
  httpUrl: httpUrl.optional(),
  reuse: z.boolean().default(true),
  provider: z
    .discriminatedUnion('type', [z.strictObject({ type: z.literal('reference') }), backendCommand])
    .optional(),
  ...backendAuth,
  probes: z.array(backendProbeSchema).min(1).optional(),
});
const backendStaging = z.strictObject({
  wsUrl,
  httpUrl: httpUrl.optional(),
  ...backendAuth,
  probes: z.array(backendProbeSchema).min(1).optional(),
});

const postgresDocker = z.strictObject({
  service: z.string().min(1).default('postgres'),
  port,
  user: z.string().min(1).default('postgres'),
  database: z.string().min(1).default('postgres'),
  passwordEnv: envVarName.optional(),
  probes: z.array(postgresProbeSchema).min(1).optional(),
});
const postgresLocal = z.strictObject({
  url: postgresUrl.default('postgres://postgres@127.0.0.1:5432/postgres'),
  reuse: z.boolean().default(true),
  provider: z.discriminatedUnion('type', [z.strictObject({ type: z.literal('embedded') })]).optional(),
  probes: z.array(postgresProbeSchema).min(1).optional(),
});
const urlFromEnv = z.strictObject({
  /** Env var holding the URL (URLs of shared environments usually carry a password). */
  urlEnv: envVarName,
});
const postgresStaging = urlFromEnv.extend({ probes: z.array(postgresProbeSchema).min(1).optional() });

const redisDocker = z.strictObject({
  service: z.string().min(1).default('redis'),
  port,
  probes: z.array(redisProbeSchema).min(1).optional(),
});
const redisLocal = z.strictObject({
  url: redisUrl.default('redis://127.0.0.1:6379'),
  reuse: z.boolean().default(true),
  provider: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('native'), binary: z.string().min(1).default('redis-server') }),
    ])
    .optional(),
  probes: z.array(redisProbeSchema).min(1).optional(),
});
const redisStaging = urlFromEnv.extend({ probes: z.array(redisProbeSchema).min(1).optional() });

const profileOverride = z.strictObject({
  concurrency: z.number().int().min(1).optional(),
  checkTimeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).optional(),
  spacingMs: z.number().int().min(0).optional(),
  eventDelayMs: z.number().int().min(0).optional(),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** Order in which tiers are tried; `--tier` overrides it. */
    tiers: z
      .array(tierName)
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'lists a tier twice')
      .optional(),
    docker: z
      .strictObject({
        /** Compose file(s), relative to the config file. Candidates are searched when omitted. */
        compose: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        /** Prefix of the unique compose project name. */
        projectPrefix: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, "-" and "_" only')
          .default('agentwire'),
        upTimeoutMs: z.number().int().positive().default(120_000),
      })
      .optional(),
    services: z
      .strictObject({
        backend: z
          .strictObject({
            docker: backendDocker.optional(),
            local: backendLocal.optional(),
            staging: backendStaging.optional(),
          })
          .optional(),
        postgres: z
          .strictObject({
            docker: postgresDocker.optional(),
            local: postgresLocal.optional(),
            staging: postgresStaging.optional(),
          })
          .optional(),
        redis: z
          .strictObject({
            docker: redisDocker.optional(),
            local: redisLocal.optional(),
            staging: redisStaging.optional(),
          })
          .optional(),
      })
      .refine((services) => Object.values(services).some(Boolean), 'declares no service'),
    profiles: z
      .strictObject({
        docker: profileOverride.optional(),
        local: profileOverride.optional(),
        staging: profileOverride.optional(),
      })
      .optional(),
  })
  .describe('agentwire environment configuration');

/** A validated config, defaults applied. */
export type AgentwireConfig = z.output<typeof configSchema>;
/** What a user may write. */
export type AgentwireConfigInput = z.input<typeof configSchema>;

/** Types an `agentwire.config.ts`: `export default defineConfig({ services: { … } })`. */
export function defineConfig(config: AgentwireConfigInput): AgentwireConfigInput {
  return config;
}
export type BackendServiceConfig = NonNullable<AgentwireConfig['services']['backend']>;
export type PostgresServiceConfig = NonNullable<AgentwireConfig['services']['postgres']>;
export type RedisServiceConfig = NonNullable<AgentwireConfig['services']['redis']>;
export type ProfileOverride = z.output<typeof profileOverride>;
