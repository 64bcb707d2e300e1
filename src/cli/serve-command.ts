/**
 * `agentwire serve`: the reference backend on its own, for demos and for checking it from
 * another machine. Prints its URLs and a ready-to-use token for a demo user; stops gracefully
 * on SIGINT or SIGTERM.
 */
import type { Command } from 'commander';
import { mintToken, newSecret } from '../client/index.js';
import { type LogLevel, startServer } from '../server/index.js';
import { usageError } from './errors.js';
import { checkedFaults } from './faults-command.js';
import { collect, parsePort } from './options.js';

interface ServeOptions {
  port: number;
  host: string;
  jwtSecret?: string;
  allowedOrigin: string[];
  logLevel: LogLevel;
  fault: string[];
}

const DEMO_USER = 'u_demo';
const DEMO_TOKEN_LIFETIME_S = 3600;

export function registerServeCommand(program: Command): void {
  program
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
    .action(async (options: ServeOptions) => {
      await serve(options);
    });
}

async function serve(options: ServeOptions): Promise<void> {
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(options.logLevel)) {
    throw usageError(
      'AW_BAD_LOG_LEVEL',
      `unknown --log-level "${options.logLevel}": use silent, error, warn, info or debug`,
    );
  }
  const faults = checkedFaults(options.fault);
  const given = options.jwtSecret ?? process.env.AGENTWIRE_JWT_SECRET;
  const secret = given ?? newSecret();
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      jwtSecret: secret,
      host: options.host,
      port: options.port,
      allowedOrigins: options.allowedOrigin,
      logLevel: options.logLevel,
      faults,
      onCrash: () => {
        process.stderr.write('agentwire: the reference backend crashed (fault crash-on-bad-json)\n');
        process.exit(70);
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw usageError(
        'AW_PORT_IN_USE',
        `port ${options.port} is in use: choose another with --port N (0 picks a free one)`,
      );
    if (code === 'EADDRNOTAVAIL')
      throw usageError('AW_BAD_HOST', `cannot listen on ${options.host}: use an address of this machine`);
    throw error;
  }
  const token = await mintToken(secret, { sub: DEMO_USER, expiresInS: DEMO_TOKEN_LIFETIME_S });
  process.stdout.write(
    [
      ...(faults.length
        ? [`!!! FAULTS INJECTED: ${faults.join(', ')} — this server breaks AEP/1 on purpose !!!`]
        : []),
      'agentwire reference backend (AEP/1) listening',
      `  websocket   ${server.wsUrl}`,
      `  health      ${server.httpUrl}/health`,
      `  origins     ${options.allowedOrigin.length ? options.allowedOrigin.join(', ') : 'any'}`,
      `  secret      ${given ? 'as given' : 'generated for this process (pass --jwt-secret or AGENTWIRE_JWT_SECRET to choose one)'}`,
      `  demo user   ${DEMO_USER}`,
      `  demo token  ${token}`,
      '              (valid 1 h; send as "Authorization: Bearer <token>" or subprotocol "bearer.<token>")',
      'Ctrl+C stops it gracefully.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: draining (health 503, finishing runs, closing sessions with 1001)\n`);
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
