/**
 * JWT minting for test users. The suite needs valid tokens and every kind of invalid one that
 * names, so this module can also produce the broken variants on purpose.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';

export interface MintOptions {
  /**
   * The user id; `undefined` leaves the claim out and a number breaks its type (RFC 7519 wants a
   * string): tokens that name no user, on purpose.
   */
  sub: string | number | undefined;
  /** Seconds until `exp`; negative values give an already expired token. Default 600. */
  expiresInS?: number;
  /** Omit `exp` entirely (R-2.2 makes it required). */
  omitExp?: boolean;
  alg?: 'HS256' | 'HS384' | 'HS512';
}

export async function mintToken(secret: string, options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // A number where RFC 7519 wants a string: jose's types (rightly) refuse it, so it is cast.
  const claims = typeof options.sub === 'number' ? ({ sub: options.sub } as unknown as JWTPayload) : {};
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 1);
  if (typeof options.sub === 'string') jwt.setSubject(options.sub);
  if (!options.omitExp) jwt.setExpirationTime(now + (options.expiresInS ?? 600));
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * Valid HS256 tokens for many users at once (a load run mints one per session): the same
 * header and claims as `mintToken` (`iat`, `sub`, `exp`), the header encoded once and each token
 * one synchronous HMAC, where `mintToken` imports the key through WebCrypto every time.
 */
export function hs256Minter(secret: string): (sub: string, expiresInS: number) => string {
  const key = Buffer.from(secret, 'utf8');
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  return (sub, expiresInS) => {
    const now = Math.floor(Date.now() / 1000);
    const signingInput = `${header}.${base64url(JSON.stringify({ iat: now - 1, sub, exp: now + expiresInS }))}`;
    return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
  };
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** An unsigned token (`alg: none`), the classic signature-bypass attack. */
export function mintUnsignedToken(sub: string, expiresInS = 600): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + expiresInS;
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub, exp })}.`;
}

/** A token signed with a different secret: well-formed, bad signature. */
export function mintForeignToken(sub: string): Promise<string> {
  return mintToken(randomBytes(32).toString('hex'), { sub });
}

export function newUserId(prefix = 'u'): string {
  return `${prefix}_${randomUUID().slice(0, 12)}`;
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
