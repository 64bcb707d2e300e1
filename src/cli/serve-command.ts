/**
 * `agentwire serve`: the reference backend on its own, for demos and for checking it from
 * another machine. Prints its URLs and a ready-to-use token for a demo user; stops gracefully
 * (R-6.4) on SIGINT or SIGTERM. `--production` keeps threads in Postgres and fans events out
 * through Redis; `--instances N` starts N instances of one deployment on consecutive ports.
 */

import type { Command } from 'commander';
import type { DestinationStream } from 'pino';
import { mintToken, newSecret } from '../client/index.js';
import { ErrorCode } from '../errors.js';
import {
  DEFAULT_SCHEMA,
  type LogLevel,
  type ProductionStorage,
  type RunningServer,
  schemaNameProblem,
  startCluster,
} from '../server/index.js';
import { checkedFaults } from '../suite/index.js';
import { redactText, redactUrl } from '../tiers/index.js';
import { notCheckedError, usageError } from './errors.js';
import { collect, parsePort, parseWholeNumber } from './options.js';
import {
  registerServeSecurityOptions,
  type ServeSecurityOptions,
  serveSecurityOf,
} from './serve-security.js';

interface ServeOptions extends ServeSecurityOptions {
  port: number;
  host: string;
  jwtSecret?: string;
  allowedOrigin: string[];
  logLevel: LogLevel;
  fault: string[];
  production?: boolean;
  databaseUrl?: string;
  redisUrl?: string;
  schema: string;
  instances: number;
}

const DEMO_USER = 'u_demo';
const DEMO_TOKEN_LIFETIME_S = 3600;

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the AEP/1 reference backend alone')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--jwt-secret <secret>',
      'HS256 secret for tokens (or env AGENTWIRE_JWT_SECRET; random when neither)',
    )
    .option(
      '--allowed-origin <url>',
      'allow this Origin (repeatable); other Origins are refused with 403',
      collect,
      [],
    )
    .option('--log-level <level>', 'silent, error, warn, info or debug', 'info')
    .option(
      '--fault <name>',
      'inject a deliberate bug (repeatable; see "agentwire faults"); refused with NODE_ENV=production',
      collect,
      [],
    )
    .option('--production', 'production mode: threads in Postgres, events fanned out through Redis')
    .option('--database-url <url>', 'Postgres for --production (or env DATABASE_URL)')
    .option('--redis-url <url>', 'Redis for --production (or env REDIS_URL)')
    .option('--schema <name>', 'Postgres schema of the event log', DEFAULT_SCHEMA)
    .option(
      '--instances <n>',
      'instances of one deployment, on consecutive ports',
      parseWholeNumber('--instances', 1, 64),
      1,
    )
    .action(async (options: ServeOptions) => {
      await serve(options);
    });
  registerServeSecurityOptions(command);
}

async function serve(options: ServeOptions): Promise<void> {
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(options.logLevel)) {
    throw usageError(
      ErrorCode.AW_BAD_LOG_LEVEL,
      `unknown --log-level "${options.logLevel}": use silent, error, warn, info or debug`,
    );
  }
  const faults = checkedFaults(options.fault);
  const production = productionStorageOf(options);
  if (production && faults.length)
    throw usageError(
      ErrorCode.AW_FAULT_IN_PRODUCTION,
      'faults cannot be enabled with --production: drop --fault or --production',
    );
  if (faults.length && options.instances > 1)
    throw usageError(
      ErrorCode.AW_FAULT_WITH_INSTANCES,
      'faults apply to a single instance (several instances reorder events, which hides some of them): drop --fault or --instances',
    );
  if (options.instances > 1 && options.port === 0)
    throw usageError(
      ErrorCode.AW_BAD_PORT,
      '--instances needs a --port to count from (0 would scatter them)',
    );
  const security = serveSecurityOf(options);
  const given = options.jwtSecret ?? process.env.AGENTWIRE_JWT_SECRET;
  const secret = given ?? newSecret();
  let servers: RunningServer[];
  try {
    servers = await startCluster(
      {
        jwtSecret: secret,
        host: options.host,
        port: options.port,
        allowedOrigins: options.allowedOrigin,
        logLevel: options.logLevel,
        ...(process.stderr.isTTY ? { logDestination: await prettyLogs() } : {}),
        faults,
        ...(production ? { production } : {}),
        ...(security.jwtPublicKey ? { jwtPublicKey: security.jwtPublicKey } : {}),
        ...(security.tls ? { tls: security.tls } : {}),
        onCrash: () => {
          process.stderr.write('agentwire: the reference backend crashed (fault crash-on-bad-json)\n');
          process.exit(70);
        },
      },
      options.instances,
    );
  } catch (error) {
    if (error instanceof Error && /^(Postgres event log|Redis fan-out) unavailable/.test(error.message))
      throw notCheckedError(
        ErrorCode.AW_STORE_UNAVAILABLE,
        `${redactText(error.message, [production?.databaseUrl, production?.redisUrl])}: start it, or point --database-url / --redis-url at a running one`,
      );
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw usageError(
        ErrorCode.AW_PORT_IN_USE,
        `port ${options.port} is in use: choose another with --port N (0 picks a free one)`,
      );
    // Every way an address can be unusable gets the same answer: not resolvable, not ours.
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
      throw usageError(
        ErrorCode.AW_BAD_HOST,
        `cannot listen on ${options.host}: use an address of this machine`,
      );
    throw error;
  }
  const token = await mintToken(secret, { sub: DEMO_USER, expiresInS: DEMO_TOKEN_LIFETIME_S });
  process.stdout.write(
    [
      ...(faults.length
        ? [`!!! FAULTS INJECTED: ${faults.join(', ')} — this server breaks AEP/1 on purpose !!!`]
        : []),
      'agentwire reference backend (AEP/1) listening',
      ...servers.flatMap((server, index) => [
        ...(servers.length > 1 ? [`  instance ${index + 1}`] : []),
        `  websocket   ${server.wsUrl}`,
        `  health      ${server.httpUrl}/health`,
        `  ag-ui       ${server.httpUrl}/agent (POST, server-sent events)`,
      ]),
      `  threads     ${production ? `Postgres ${redactUrl(production.databaseUrl)} (schema ${production.schema}), fan-out Redis ${redactUrl(production.redisUrl)}` : servers.length > 1 ? 'in memory, shared by the instances' : 'in memory'}`,
      `  origins     ${options.allowedOrigin.length ? options.allowedOrigin.join(', ') : 'any'}`,
      ...(security.describeTokens
        ? [`  tokens      verified with ${security.describeTokens}`]
        : [
            `  secret      ${given ? 'as given' : 'generated for this process (pass --jwt-secret or AGENTWIRE_JWT_SECRET to choose one)'}`,
            `  demo user   ${DEMO_USER}`,
            `  demo token  ${token}`,
            '              (valid 1 h; send as "Authorization: Bearer <token>" or subprotocol "bearer.<token>")',
          ]),
      'Ctrl+C stops it gracefully.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: draining (health 503, finishing runs, closing sessions with 1001)\n`);
    void Promise.all(servers.map((server) => server.close())).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function productionStorageOf(options: ServeOptions): ProductionStorage | undefined {
  if (!options.production) {
    if (options.databaseUrl || options.redisUrl)
      throw usageError(
        ErrorCode.AW_NEEDS_PRODUCTION,
        '--database-url and --redis-url only apply with --production',
      );
    return undefined;
  }
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl)
    throw usageError(
      ErrorCode.AW_PRODUCTION_NEEDS_STORES,
      `--production needs ${[databaseUrl ? '' : 'a Postgres URL (--database-url or DATABASE_URL)', redisUrl ? '' : 'a Redis URL (--redis-url or REDIS_URL)'].filter(Boolean).join(' and ')}`,
    );
  for (const [flag, url, schemes] of [
    ['--database-url', databaseUrl, ['postgres:', 'postgresql:']],
    ['--redis-url', redisUrl, ['redis:', 'rediss:']],
  ] as const) {
    let scheme: string | undefined;
    try {
      scheme = new URL(url).protocol;
    } catch {
      scheme = undefined;
    }
    if (!scheme || !(schemes as readonly string[]).includes(scheme))
      throw usageError(
        ErrorCode.AW_BAD_URL,
        `${flag} must be a ${schemes[0]}// URL, got "${redactUrl(url)}"`,
      );
  }
  const schemaProblem = schemaNameProblem(options.schema);
  if (schemaProblem) throw usageError(ErrorCode.AW_BAD_SCHEMA, `--${schemaProblem}`);
  return { databaseUrl, redisUrl, schema: options.schema };
}

/** On a terminal, logs are for a person: one coloured line each instead of JSON. */
async function prettyLogs(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname,name' });
}
