/**
 * The environment a test runner's suite talks to, resolved once through the tiers (the
 * in-process reference backend when there is no config file) and described as plain data, so
 * a runner can hand it from its setup process to its workers (Vitest `provide`, Jest
 * `process.env`, Playwright worker fixtures).
 */

import { mintToken, newUserId } from '../client/index.js';
import { ConfigError } from '../config/index.js';
import { ErrorCode } from '../errors.js';
import { SUBPROTOCOL } from '../protocol/index.js';
import {
  formatDecision,
  type ReferenceServerOptions,
  type Resolution,
  resolveEnvironment,
  type TierName,
  type TierProfile,
} from '../tiers/index.js';

/** The Origin the in-process reference backend allows, so the Origin checks run against it. */
export const EMBEDDED_ALLOWED_ORIGIN = 'http://localhost:3000';

/** The JSON-safe options of the in-process reference backend (what a worker may restart it with). */
export type PortableReferenceOptions = Pick<
  ReferenceServerOptions,
  'faults' | 'limits' | 'capabilities' | 'allowedOrigins' | 'drainTimeoutMs' | 'logLevel'
>;

export interface AepEnvironmentOptions {
  /** Where to search for agentwire.config.{json,yaml,ts} (upward). Default: process.cwd(). */
  cwd?: string;
  /** Use this config file, no search. */
  configPath?: string;
  /** The tiers to try, in order (like `--tier docker,local`). */
  tiers?: readonly TierName[];
  /** Only this tier is tried (like `--require-tier`). */
  requireTier?: TierName;
  /** Options for the reference backend when the local tier starts it in-process (e.g. `faults`). */
  referenceServer?: PortableReferenceOptions;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Receives each environment decision as one line, as it is made. Default: stderr. */
  onDecisionLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Everything a test needs to reach the backend; JSON-safe. Contains secrets: never print it whole. */
export interface AepEnvironment {
  wsUrl: string;
  httpUrl: string;
  /** An Origin the backend accepts, when known. */
  allowedOrigin?: string;
  /** The HS256 secret tokens are minted with (when the tier knows it). */
  jwtSecret?: string;
  /** A ready-made token (a staging tier without the secret). */
  token?: string;
  mode: 'embedded' | 'external';
  /** Which tier gave the backend, and from where. */
  tier: TierName;
  source: string;
  /** How hard checks may push this environment (the resolved tier's execution profile). */
  profile: TierProfile;
  /** The decision log, one line per decision, secrets removed. */
  decisions: string[];
  /** Set when the backend is the reference backend started in the setup process. */
  reference?: PortableReferenceOptions;
}

export interface StartedAepEnvironment {
  environment: AepEnvironment;
  /** Stops what was started; safe to call twice. Also runs on exit, SIGINT and SIGTERM. */
  release(): Promise<void>;
}

/** Why the environment could not be resolved, with every reason tried. */
export class AepEnvironmentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reasons: readonly string[] = [],
  ) {
    super(reasons.length ? `${message}\n${reasons.map((reason) => `  - ${reason}`).join('\n')}` : message);
    this.name = 'AepEnvironmentError';
  }
}

export async function startAepEnvironment(
  options: AepEnvironmentOptions = {},
): Promise<StartedAepEnvironment> {
  const env = options.env ?? process.env;
  const print = options.onDecisionLine ?? ((line: string) => process.stderr.write(`agentwire env ${line}\n`));
  const reference: PortableReferenceOptions = {
    allowedOrigins: [EMBEDDED_ALLOWED_ORIGIN],
    logLevel: 'silent',
    ...options.referenceServer,
  };
  let resolution: Resolution;
  try {
    resolution = await resolveEnvironment({
      cwd: options.cwd,
      configPath: options.configPath,
      tiers: options.tiers,
      requireTier: options.requireTier,
      env,
      signal: options.signal,
      referenceServer: reference,
      onDecision: (decision) => print(formatDecision(decision)),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new AepEnvironmentError(error.code, error.message);
    throw error;
  }
  const release = () => resolution.release();
  const decisions = resolution.decisions.map(formatDecision);
  if (resolution.status === 'unresolved') {
    await release();
    throw new AepEnvironmentError(
      resolution.code,
      `${resolution.code}: ${resolution.message}`,
      resolution.reasons,
    );
  }
  const backend = resolution.services.backend;
  if (backend?.endpoint.service !== 'backend') {
    await release();
    throw new AepEnvironmentError(
      ErrorCode.AW_ENV_NO_BACKEND,
      `${ErrorCode.AW_ENV_NO_BACKEND}: the config declares no backend service: add services.backend (see docs/environment.md)`,
    );
  }
  const endpoint = backend.endpoint;
  const jwtSecret = endpoint.auth.kind === 'secret' ? endpoint.auth.secret : env.AGENTWIRE_JWT_SECRET;
  const environment: AepEnvironment = {
    wsUrl: endpoint.wsUrl,
    httpUrl: endpoint.httpUrl,
    ...(endpoint.allowedOrigin ? { allowedOrigin: endpoint.allowedOrigin } : {}),
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(endpoint.auth.kind === 'token' ? { token: endpoint.auth.token } : {}),
    mode: endpoint.reference ? 'embedded' : 'external',
    tier: backend.tier,
    source: backend.source,
    profile: resolution.profile,
    decisions,
    ...(endpoint.reference ? { reference } : {}),
  };
  return { environment, release };
}

/** A user's way in: a token for `user` and the subprotocols a browser offers (R-2.1). */
export interface AepSession {
  userId: string;
  token: string;
  wsUrl: string;
  /** `['aep.v1', 'bearer.<jwt>']`: what `new WebSocket(wsUrl, protocols)` needs in a browser. */
  protocols: [string, string];
}

export async function sessionFor(environment: AepEnvironment, user?: string): Promise<AepSession> {
  const userId = user ?? newUserId('user');
  let token: string;
  if (environment.jwtSecret) token = await mintToken(environment.jwtSecret, { sub: userId });
  else if (environment.token) token = environment.token;
  else
    throw new AepEnvironmentError(
      ErrorCode.AW_ENV_NO_SECRET,
      `${ErrorCode.AW_ENV_NO_SECRET}: the backend from the ${environment.tier} tier gives neither a JWT secret nor a token: set jwtSecretEnv (or tokenEnv) on the backend in the config, or AGENTWIRE_JWT_SECRET`,
    );
  return { userId, token, wsUrl: environment.wsUrl, protocols: [SUBPROTOCOL, `bearer.${token}`] };
}
