/**
 * `serve`'s options for real deployments: token verification by public key or JWKS instead of a
 * shared secret, and TLS. Read and checked here, before anything listens: an unreadable file or
 * an unusable key is a usage error naming the option and the fix.
 */

import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ErrorCode } from '../errors.js';
import {
  PUBLIC_KEY_ALGORITHMS,
  type PublicKeyAlgorithm,
  type PublicKeyVerification,
} from '../server/index.js';
import { usageError } from './errors.js';

export interface ServeSecurityOptions {
  jwtPublicKey?: string;
  jwksUrl?: string;
  jwtAlg?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface ServeSecurity {
  jwtPublicKey?: PublicKeyVerification;
  tls?: { cert: Buffer; key: Buffer };
  /** One line for the banner: how tokens are verified. */
  describeTokens?: string;
}

export function registerServeSecurityOptions(command: Command): Command {
  return command
    .option('--jwt-public-key <path>', 'verify tokens with this PEM public key (RSA, EC P-256 or Ed25519)')
    .option(
      '--jwks-url <url>',
      'verify tokens with the keys of this JWKS (cached; refetched on an unknown kid)',
    )
    .option(
      '--jwt-alg <list>',
      `algorithms accepted with --jwt-public-key / --jwks-url, comma-separated (${PUBLIC_KEY_ALGORITHMS.join(', ')}); default: the key's own, RS256 for a JWKS`,
    )
    .option('--jwt-issuer <iss>', 'require this iss claim')
    .option('--jwt-audience <aud>', 'require this aud claim')
    .option('--tls-cert <path>', 'serve wss:// and https:// with this PEM certificate (with --tls-key)')
    .option('--tls-key <path>', 'the PEM private key of --tls-cert');
}

export function serveSecurityOf(options: ServeSecurityOptions): ServeSecurity {
  const security: ServeSecurity = {};
  if (options.jwtPublicKey && options.jwksUrl)
    throw usageError(
      ErrorCode.AW_TWO_KEY_SOURCES,
      '--jwt-public-key and --jwks-url exclude each other: pick one',
    );
  const usesPublicKey = Boolean(options.jwtPublicKey || options.jwksUrl);
  if (!usesPublicKey && (options.jwtAlg || options.jwtIssuer || options.jwtAudience))
    throw usageError(
      ErrorCode.AW_NEEDS_PUBLIC_KEY,
      '--jwt-alg, --jwt-issuer and --jwt-audience apply to --jwt-public-key or --jwks-url',
    );
  if (usesPublicKey) {
    const algorithms = options.jwtAlg ? algorithmsOf(options.jwtAlg) : undefined;
    const claims = {
      ...(options.jwtIssuer ? { issuer: options.jwtIssuer } : {}),
      ...(options.jwtAudience ? { audience: options.jwtAudience } : {}),
      ...(algorithms ? { algorithms } : {}),
    };
    if (options.jwtPublicKey) {
      const pem = readPem('--jwt-public-key', options.jwtPublicKey);
      try {
        createPublicKey(pem);
      } catch (error) {
        throw usageError(
          ErrorCode.AW_BAD_PUBLIC_KEY,
          `--jwt-public-key ${options.jwtPublicKey} is not a PEM public key (${(error as Error).message}): pass the SPKI "-----BEGIN PUBLIC KEY-----" file`,
        );
      }
      security.jwtPublicKey = { publicKeyPem: pem.toString('utf8'), ...claims };
      security.describeTokens = `public key ${options.jwtPublicKey}`;
    } else {
      const url = options.jwksUrl!;
      let scheme: string | undefined;
      try {
        scheme = new URL(url).protocol;
      } catch {
        scheme = undefined;
      }
      if (scheme !== 'https:' && scheme !== 'http:')
        throw usageError(
          ErrorCode.AW_BAD_JWKS_URL,
          `--jwks-url must be an https:// (or http://) URL, got "${url}"`,
        );
      security.jwtPublicKey = { jwksUrl: url, ...claims };
      security.describeTokens = `JWKS ${url}`;
    }
    security.describeTokens += ` (${algorithms?.join(', ') ?? 'algorithm of the key'}${options.jwtIssuer ? `, iss ${options.jwtIssuer}` : ''}${options.jwtAudience ? `, aud ${options.jwtAudience}` : ''})`;
  }
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey))
    throw usageError(ErrorCode.AW_TLS_PAIR, '--tls-cert and --tls-key go together: pass both');
  if (options.tlsCert && options.tlsKey)
    security.tls = {
      cert: readPem('--tls-cert', options.tlsCert),
      key: readPem('--tls-key', options.tlsKey),
    };
  return security;
}

function algorithmsOf(list: string): PublicKeyAlgorithm[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length)
    throw usageError(
      ErrorCode.AW_BAD_JWT_ALG,
      `--jwt-alg "${list}": use ${PUBLIC_KEY_ALGORITHMS.join(', ')} (comma-separated); HS256 is --jwt-secret`,
    );
  return names as PublicKeyAlgorithm[];
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw usageError(
      ErrorCode.AW_UNREADABLE_FILE,
      `${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}: pass a readable PEM file`,
    );
  }
}
