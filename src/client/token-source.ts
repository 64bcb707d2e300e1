/**
 * Where test users' tokens come from when the target is a real deployment: one interface, three
 * sources — a shared HS256 secret, a private key the target verifies with its public key
 * (RS256, ES256, EdDSA; optional kid, iss, aud), or a command that prints a token for a user
 * (any identity provider; run once per user, cached until shortly before its `exp`).
 * A source that can sign also makes the broken tokens R-2.2 names; one that cannot says why.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { decodeJwt, SignJWT } from 'jose';

const run = promisify(execFile);

/** A JWT in a command's stderr is not repeated in our error message. */
const JWT_SHAPE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export type SigningAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

export interface ClaimsToSign {
  /** A number only to make the malformed token RFC 7519 forbids. */
  sub?: string | number;
  /** Seconds until `exp`; negative gives an expired token; absent leaves `exp` out. */
  expiresInS?: number;
}

export interface TokenSource {
  /** What the report may say about it: never a secret or a key. */
  readonly description: string;
  /** A valid token for `user`. */
  tokenFor(user: string, options?: { expiresInS?: number }): Promise<string>;
  /**
   * Signs any claims as the target expects (absent when this source cannot, e.g. a command:
   * then broken tokens that need a signature are unsupported, with `cannotSign` as the reason).
   */
  sign?(claims: ClaimsToSign): Promise<string>;
  readonly cannotSign?: string;
  /** The algorithm the target pins: a token signed otherwise must be refused. */
  readonly algorithm?: SigningAlgorithm;
}

export function secretTokenSource(secret: string): TokenSource {
  const key = new TextEncoder().encode(secret);
  const sign = (claims: ClaimsToSign) => signWith(key, 'HS256', claims, {});
  return {
    description: 'HS256 shared secret',
    algorithm: 'HS256',
    tokenFor: (user, options) => sign({ sub: user, expiresInS: options?.expiresInS ?? 600 }),
    sign,
  };
}

export interface PrivateKeyOptions {
  /** PEM (PKCS#8) private key. */
  pem: string | Buffer;
  algorithm: Exclude<SigningAlgorithm, 'HS256'>;
  kid?: string;
  issuer?: string;
  audience?: string;
}

export function privateKeyTokenSource(options: PrivateKeyOptions): TokenSource {
  let key: KeyObject;
  try {
    key = createPrivateKey(options.pem);
  } catch (error) {
    throw new Error(`the private key is not a PEM private key (${(error as Error).message})`);
  }
  const expected = { RS256: 'rsa', ES256: 'ec', EdDSA: 'ed25519' }[options.algorithm];
  if (key.asymmetricKeyType !== expected)
    throw new Error(
      `${/^[aeiou]/.test(key.asymmetricKeyType ?? '') ? 'an' : 'a'} ${key.asymmetricKeyType} key cannot sign ${options.algorithm}: use ${
        Object.entries({ RS256: 'rsa', ES256: 'ec', EdDSA: 'ed25519' })
          .filter(([, type]) => type === key.asymmetricKeyType)
          .map(([alg]) => alg)
          .join(', ') || 'an RSA, EC P-256 or Ed25519 key'
      }`,
    );
  const claims = {
    ...(options.issuer ? { iss: options.issuer } : {}),
    ...(options.audience ? { aud: options.audience } : {}),
  };
  const sign = (toSign: ClaimsToSign) => signWith(key, options.algorithm, toSign, claims, options.kid);
  return {
    description: `${options.algorithm} private key${options.kid ? ` (kid ${options.kid})` : ''}`,
    algorithm: options.algorithm,
    tokenFor: (user, tokenOptions) => sign({ sub: user, expiresInS: tokenOptions?.expiresInS ?? 600 }),
    sign,
  };
}

/**
 * `command` with `{user}` replaced (shell-quoted) runs through /bin/sh and prints a token. Each
 * user's token is kept until 30 s before its `exp`.
 */
export function commandTokenSource(command: string, timeoutMs = 30_000): TokenSource {
  if (!command.includes('{user}'))
    throw new Error(`--token-command must contain {user} where the user id goes, got "${command}"`);
  const cache = new Map<string, { token: string; expiresAtMs: number }>();
  const inFlight = new Map<string, Promise<string>>();
  async function fetchToken(user: string): Promise<string> {
    const line = command.replaceAll('{user}', `'${user.replaceAll("'", "'\\''")}'`);
    let stdout: string;
    try {
      ({ stdout } = await run('/bin/sh', ['-c', line], { timeout: timeoutMs }));
    } catch (error) {
      const e = error as { code?: number | string; signal?: string; stderr?: string; killed?: boolean };
      const how = e.killed
        ? `killed after ${timeoutMs} ms`
        : typeof e.code === 'number'
          ? `exit code ${e.code}`
          : e.signal
            ? `signal ${e.signal}`
            : String(e.code);
      // The first line only: what a command says about its failure, never a token it printed.
      const firstLine = (
        String(e.stderr ?? '')
          .trim()
          .split('\n')[0] ?? ''
      )
        .replace(JWT_SHAPE, '[redacted]')
        .slice(0, 200);
      throw new Error(
        `--token-command failed for user ${user} (${how})${firstLine ? `: ${firstLine}` : ' with nothing on stderr'}: fix the command so it prints a token for {user}`,
      );
    }
    const token = stdout.trim();
    let exp: number | undefined;
    try {
      exp = decodeJwt(token).exp;
    } catch {
      throw new Error(`--token-command printed no JWT for user ${user}: print only the token on stdout`);
    }
    cache.set(user, { token, expiresAtMs: exp ? exp * 1000 : Number.POSITIVE_INFINITY });
    return token;
  }
  return {
    description: 'token command',
    cannotSign:
      'tokens come from --token-command, which makes only valid ones: an expired, exp-less or sub-less token needs the signing key',
    async tokenFor(user) {
      const cached = cache.get(user);
      if (cached && cached.expiresAtMs - Date.now() > 30_000) return cached.token;
      let pending = inFlight.get(user);
      if (!pending) {
        pending = fetchToken(user).finally(() => inFlight.delete(user));
        inFlight.set(user, pending);
      }
      return pending;
    },
  };
}

/** A token whose signature is wrong: a valid one with its signature's bytes changed. */
export function withBrokenSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length === 0) return `${header}.${payload}.${Buffer.from('x').toString('base64url')}`;
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

/** The same claims under `alg: none`, unsigned. */
export function asUnsigned(token: string): string {
  const payload = token.split('.')[1] ?? '';
  return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
}

/** The same claims signed with an algorithm the target does not pin (HS256, or RS256 against HS256). */
export async function withOtherAlgorithm(
  token: string,
  pinned: SigningAlgorithm | undefined,
): Promise<string> {
  const claims = decodeJwt(token);
  if (pinned === 'HS256') {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
  }
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(randomBytes(32));
}

async function signWith(
  key: KeyObject | Uint8Array,
  alg: SigningAlgorithm,
  claims: ClaimsToSign,
  extra: Record<string, string>,
  kid?: string,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // jose types `sub` as a string; the number is the point of that one broken token.
  const payload: Record<string, unknown> = { ...extra };
  if (typeof claims.sub === 'number') payload.sub = claims.sub;
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .setIssuedAt(now - 1);
  if (typeof claims.sub === 'string') jwt.setSubject(claims.sub);
  if (claims.expiresInS !== undefined) jwt.setExpirationTime(now + claims.expiresInS);
  return jwt.sign(key);
}

/**
 * `Name: value` → [name, value] (the headers a gateway wants, repeatable --header). The message
 * never repeats the text: a header value is often a credential.
 */
export function parseHeaderOption(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(text))
    throw new Error('must look like "Name: value" (a header name, a colon, then the value on one line)');
  return [name, text.slice(colon + 1).trim()];
}
