/**
 * The options `run` and `load` share for reaching a real deployment: where test users' tokens
 * come from (an HS256 secret, a private key the target verifies with its public key, or a
 * command), gateway headers, and the TLS trust for wss:// / https:// targets. Defined once here;
 * every bad value is a usage error (exit 64) naming the fix, and no message repeats a secret.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
// Types only: the token sources (jose, child processes) load when a command reads its options,
// so `run --list` and `--help` stay as light as they are.
import type { SigningAlgorithm, TokenSource } from '../client/token-source.js';
import type { ClientTls, ClientTransport as Transport } from '../client/transport.js';
import { ErrorCode } from '../errors.js';
import { usageError } from './errors.js';
import { collect } from './options.js';

export interface ClientCliOptions {
  jwtSecret?: string;
  jwtPrivateKey?: string;
  jwtAlg?: string;
  jwtKid?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  tokenCommand?: string;
  header: string[];
  ca?: string;
  insecure?: boolean;
}

export interface ClientSetup {
  /** The HS256 secret (from --jwt-secret or AGENTWIRE_JWT_SECRET), when tokens come from one. */
  jwtSecret?: string;
  /** Tokens from a private key or a command. */
  tokenSource?: TokenSource;
  transport?: Transport;
}

const PRIVATE_KEY_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
const ALGORITHM_OF_KEY: Record<string, Exclude<SigningAlgorithm, 'HS256'>> = {
  rsa: 'RS256',
  ec: 'ES256',
  ed25519: 'EdDSA',
};

export function addClientOptions(command: Command): Command {
  return command
    .option(
      '--jwt-secret <secret>',
      'HS256 secret the target verifies tokens with (or env AGENTWIRE_JWT_SECRET)',
    )
    .option(
      '--jwt-private-key <path>',
      'PEM private key to sign test tokens with, for a target that verifies them with the public key (--jwt-public-key / --jwks-url)',
    )
    .option(
      '--jwt-alg <alg>',
      `signing algorithm of --jwt-private-key: ${PRIVATE_KEY_ALGORITHMS.join(', ')} (default: from the key type)`,
    )
    .option('--jwt-kid <kid>', 'kid header of the signed tokens (what the JWKS names the key)')
    .option('--jwt-issuer <iss>', 'iss claim of the signed tokens')
    .option('--jwt-audience <aud>', 'aud claim of the signed tokens')
    .option(
      '--token-command <cmd>',
      "a command printing a token for the test user {user}, e.g. 'idp-token --sub {user}' (run once per user, kept until its exp)",
    )
    .option(
      '--header <"Name: value">',
      'a header sent on every WebSocket upgrade and HTTP request (for a gateway; repeatable)',
      collect,
      [],
    )
    .option(
      '--ca <file>',
      'PEM certificate(s) to trust for a wss:// or https:// target (a private CA, a self-signed certificate)',
    )
    .option(
      '--insecure',
      'do not verify the TLS certificate of the target (named in the summary and the report)',
    );
}

/** The loud line a run with --insecure starts with (uncoloured; the caller colours it red). */
export function insecureWarning(setup: ClientSetup): string | undefined {
  return setup.transport?.tls?.insecure
    ? "agentwire: warning: --insecure: the target's TLS certificate is not verified"
    : undefined;
}

/** Reads and checks the client options: a usage error naming the fix for anything wrong. */
export async function clientSetupOf(
  options: ClientCliOptions,
  env: Record<string, string | undefined>,
): Promise<ClientSetup> {
  // Contradictions first: no file is read for options that cannot go together.
  if (options.jwtSecret && (options.tokenCommand !== undefined || options.jwtPrivateKey))
    throw usageError(
      ErrorCode.AW_BAD_OPTION,
      `--jwt-secret and ${options.tokenCommand !== undefined ? '--token-command' : '--jwt-private-key'} both say where tokens come from: keep one`,
    );
  const sources = await import('../client/token-source.js');
  const tokenSource = await tokenSourceOf(options, sources);
  const headers = headersOf(options.header, sources.parseHeaderOption);
  const tls = await tlsOf(options);
  const transport: Transport = {
    ...(headers ? { headers } : {}),
    ...(tls ? { tls } : {}),
  };
  const jwtSecret = tokenSource ? undefined : (options.jwtSecret ?? env.AGENTWIRE_JWT_SECRET);
  return {
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(tokenSource ? { tokenSource } : {}),
    ...(headers || tls ? { transport } : {}),
  };
}

type TokenSources = typeof import('../client/token-source.js');

async function tokenSourceOf(
  options: ClientCliOptions,
  { commandTokenSource, privateKeyTokenSource }: TokenSources,
): Promise<TokenSource | undefined> {
  const keyOptions = (
    [
      ['--jwt-alg', options.jwtAlg],
      ['--jwt-kid', options.jwtKid],
      ['--jwt-issuer', options.jwtIssuer],
      ['--jwt-audience', options.jwtAudience],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
  if (options.tokenCommand !== undefined) {
    if (options.jwtPrivateKey)
      throw usageError(
        ErrorCode.AW_BAD_OPTION,
        '--token-command and --jwt-private-key both say where tokens come from: keep one',
      );
    if (keyOptions.length)
      throw usageError(
        ErrorCode.AW_BAD_OPTION,
        `${keyOptions.join(', ')} shape the tokens signed with --jwt-private-key, but tokens come from --token-command: drop ${keyOptions.join(', ')}`,
      );
    try {
      return commandTokenSource(options.tokenCommand);
    } catch (error) {
      throw usageError(ErrorCode.AW_BAD_OPTION, (error as Error).message);
    }
  }
  if (!options.jwtPrivateKey) {
    if (keyOptions.length)
      throw usageError(
        ErrorCode.AW_BAD_OPTION,
        `${keyOptions.join(', ')} ${keyOptions.length > 1 ? 'shape' : 'shapes'} tokens signed with a private key: add --jwt-private-key PATH (PEM), or drop ${keyOptions.join(', ')}`,
      );
    return undefined;
  }
  if (options.jwtAlg !== undefined && !(PRIVATE_KEY_ALGORITHMS as readonly string[]).includes(options.jwtAlg))
    throw usageError(
      ErrorCode.AW_BAD_JWT_ALG,
      `--jwt-alg "${options.jwtAlg}" is not one a private key signs with: use ${PRIVATE_KEY_ALGORITHMS.join(', ')}${options.jwtAlg.startsWith('HS') ? ' (for HS256 pass --jwt-secret instead)' : ''}`,
    );
  let pem: Buffer;
  try {
    pem = await readFile(options.jwtPrivateKey);
  } catch (error) {
    throw usageError(
      ErrorCode.AW_UNREADABLE_FILE,
      `cannot read --jwt-private-key ${options.jwtPrivateKey} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}): give the path of a PEM private key`,
    );
  }
  const algorithm =
    (options.jwtAlg as Exclude<SigningAlgorithm, 'HS256'> | undefined) ??
    inferredAlgorithm(pem, options.jwtPrivateKey);
  try {
    return privateKeyTokenSource({
      pem,
      algorithm,
      ...(options.jwtKid ? { kid: options.jwtKid } : {}),
      ...(options.jwtIssuer ? { issuer: options.jwtIssuer } : {}),
      ...(options.jwtAudience ? { audience: options.jwtAudience } : {}),
    });
  } catch (error) {
    // The message names the key type and the algorithm, never the key's contents.
    throw usageError(
      ErrorCode.AW_BAD_PRIVATE_KEY,
      `--jwt-private-key ${options.jwtPrivateKey}: ${(error as Error).message}`,
    );
  }
}

function inferredAlgorithm(pem: Buffer, path: string): Exclude<SigningAlgorithm, 'HS256'> {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw usageError(
      ErrorCode.AW_BAD_PRIVATE_KEY,
      `--jwt-private-key ${path} is not a PEM private key: give the PKCS#8 or PKCS#1 PEM file the target's public key belongs to`,
    );
  }
  const algorithm = type ? ALGORITHM_OF_KEY[type] : undefined;
  if (!algorithm)
    throw usageError(
      ErrorCode.AW_BAD_PRIVATE_KEY,
      `--jwt-private-key ${path} is a ${type ?? 'unknown'} key: use an RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA) key`,
    );
  return algorithm;
}

/** `Name: value` pairs; a malformed one is named by its position, never by its value. */
function headersOf(
  given: readonly string[],
  parseHeaderOption: TokenSources['parseHeaderOption'],
): Record<string, string> | undefined {
  if (given.length === 0) return undefined;
  const headers: Record<string, string> = {};
  given.forEach((text, index) => {
    try {
      const [name, value] = parseHeaderOption(text);
      headers[name] = value;
    } catch (error) {
      throw usageError(
        ErrorCode.AW_BAD_HEADER,
        `--header number ${index + 1} ${(error as Error).message}: e.g. --header "X-Api-Key: …"`,
      );
    }
  });
  return headers;
}

async function tlsOf(options: ClientCliOptions): Promise<ClientTls | undefined> {
  if (options.ca && options.insecure)
    throw usageError(
      ErrorCode.AW_BAD_OPTION,
      '--ca verifies the certificate against that CA, --insecure does not verify it at all: keep one',
    );
  if (options.insecure) return { insecure: true };
  if (!options.ca) return undefined;
  let ca: string;
  try {
    ca = await readFile(options.ca, 'utf8');
  } catch (error) {
    throw usageError(
      ErrorCode.AW_UNREADABLE_FILE,
      `cannot read --ca ${options.ca} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}): give the path of a PEM certificate file`,
    );
  }
  try {
    new X509Certificate(ca);
  } catch {
    throw usageError(
      ErrorCode.AW_BAD_CA,
      `--ca ${options.ca} holds no PEM certificate: give the certificate (or CA certificate) that signed the target's, in PEM ("-----BEGIN CERTIFICATE-----")`,
    );
  }
  return { ca };
}
