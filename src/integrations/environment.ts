/**
 * The environment a test runner's suite talks to, acquired once through the suite library (the
 * environment tiers; the in-process reference backend when there is no config file) and
 * described as plain data, so a runner can hand it from its setup process to its workers
 * (Vitest `provide`, Jest `process.env`, Playwright worker fixtures).
 */

import { mintToken, newUserId } from '../client/index.js';
import { AgentwireError, ErrorCode } from '../errors.js';
import { SUBPROTOCOL } from '../protocol/index.js';
import {
  type AcquiredTarget,
  acquireTarget,
  EMBEDDED_ALLOWED_ORIGIN,
  type ExecutionProfile,
  planRun,
  type ReferenceServerOptions,
  type TierName,
} from '../suite/index.js';

export { EMBEDDED_ALLOWED_ORIGIN };

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
  profile: ExecutionProfile;
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
  const print = options.onDecisionLine ?? ((line: string) => process.stderr.write(`agentwire env ${line}\n`));
  const decisions: string[] = [];
  let target: AcquiredTarget;
  try {
    const plan = planRun({
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.configPath ? { config: options.configPath } : {}),
      ...(options.tiers ? { tier: options.tiers.join(',') } : {}),
      ...(options.requireTier ? { requireTier: options.requireTier } : {}),
      ...(options.referenceServer?.faults ? { faults: options.referenceServer.faults } : {}),
      env: options.env ?? process.env,
    });
    target = await acquireTarget(
      // The sessions a test opens need no secret when the tier gives a ready-made token.
      { ...plan.request, referenceServer: { ...options.referenceServer }, secretOptional: true },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        observer: {
          onDecision(_decision, line) {
            decisions.push(line);
            print(line);
          },
        },
      },
    );
  } catch (error) {
    if (error instanceof AgentwireError) throw new AepEnvironmentError(error.code, error.message);
    throw error;
  }
  const release = () => target.release();
  if (!target.ok) {
    await release();
    throw new AepEnvironmentError(target.code, target.problem, target.reasons);
  }
  const backend = target.environment?.status === 'resolved' ? target.environment.services.backend : undefined;
  if (!backend || !target.tierProfile) {
    await release();
    throw new Error('agentwire: the resolved target carries no environment description');
  }
  const environment: AepEnvironment = {
    wsUrl: target.address.wsUrl,
    httpUrl: target.address.httpUrl,
    ...(target.address.allowedOrigin ? { allowedOrigin: target.address.allowedOrigin } : {}),
    ...(target.jwtSecret ? { jwtSecret: target.jwtSecret } : {}),
    ...(target.token ? { token: target.token } : {}),
    mode: target.mode,
    tier: backend.tier,
    source: backend.source,
    profile: target.tierProfile,
    decisions,
    ...(target.reference ? { reference: portable(target.reference.options) } : {}),
  };
  return { environment, release };
}

/** The options the reference backend was started with that survive JSON. */
function portable(options: ReferenceServerOptions): PortableReferenceOptions {
  const { faults, limits, capabilities, allowedOrigins, drainTimeoutMs, logLevel } = options;
  return Object.fromEntries(
    Object.entries({ faults, limits, capabilities, allowedOrigins, drainTimeoutMs, logLevel }).filter(
      ([, value]) => value !== undefined,
    ),
  ) as PortableReferenceOptions;
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
