/**
 * Handshake authentication (R-2.1, R-2.2): finds the token in the Authorization header or the
 * `bearer.<jwt>` subprotocol and verifies it with the one configured algorithm. Failure reasons
 * never quote the token (R-2.5).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  jwtVerify,
} from 'jose';
import { BEARER_SUBPROTOCOL_PREFIX } from '../protocol/index.js';
import { FaultSet } from './faults.js';

export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type PublicKeyAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
export const PUBLIC_KEY_ALGORITHMS: readonly PublicKeyAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

/**
 * Verification by public key instead of a shared secret: a PEM (SPKI) key, or a JWKS URL (keys
 * cached; fetched again when a token names an unknown `kid`). Algorithms are pinned: those
 * given, else the one the PEM key's type allows, else RS256 for a JWKS.
 */
export interface PublicKeyVerification {
  publicKeyPem?: string;
  jwksUrl?: string;
  algorithms?: readonly PublicKeyAlgorithm[];
  /** When set, tokens must carry this `iss`. */
  issuer?: string;
  /** When set, tokens must carry this `aud`. */
  audience?: string;
}

/** The one algorithm a PEM public key can verify. */
// Stryker disable all: verification by public key (serve --jwt-public-key, --jwks-url); the embedded backend of the conformance run verifies a shared secret
export function algorithmOfKey(key: KeyObject): PublicKeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  throw new Error(
    `unsupported public key (${type}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}): use RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)`,
  );
}
// Stryker restore all

type Verify = (token: string, options: JWTVerifyOptions) => Promise<JWTVerifyResult>;

export type AuthResult = { ok: true; userId: string; expiresAtMs: number } | { ok: false; reason: string };

// Stryker disable all: which way the token came in is read only by faults (subprotocol-skips-exp, origin-check-header-only), off in every conformance run
/** Which of R-2.1's two ways the token came in (the header wins when both are present). */
export function tokenTransportOf(request: IncomingMessage): 'header' | 'subprotocol' {
  return request.headers.authorization ? 'header' : 'subprotocol';
}
// Stryker restore all

export function tokenFromRequest(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  const offered = request.headers['sec-websocket-protocol'];
  if (!offered) return undefined;
  for (const protocol of offered.split(',').map((p) => p.trim())) {
    if (protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX))
      return protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length);
  }
  return undefined;
}

export class TokenVerifier {
  private readonly verifyWith: Verify;
  private readonly algorithms: readonly string[];
  private readonly claims: Pick<JWTVerifyOptions, 'issuer' | 'audience'>;

  constructor(
    secret: string,
    // Stryker disable next-line StringLiteral: a default never used: the server always passes its algorithm
    algorithm: JwtAlgorithm = 'HS256',
    private readonly faults: FaultSet = FaultSet.none,
    publicKey?: PublicKeyVerification,
  ) {
    // Stryker disable all: verification by public key (serve --jwt-public-key, --jwks-url); the embedded backend of the conformance run verifies a shared secret
    this.claims = {
      ...(publicKey?.issuer ? { issuer: publicKey.issuer } : {}),
      ...(publicKey?.audience ? { audience: publicKey.audience } : {}),
    };
    if (publicKey?.jwksUrl) {
      const keySet = createRemoteJWKSet(new URL(publicKey.jwksUrl), { cooldownDuration: 1000 });
      this.verifyWith = (token, options) => jwtVerify(token, keySet, options);
      this.algorithms = publicKey.algorithms ?? ['RS256'];
    } else if (publicKey?.publicKeyPem) {
      const key = createPublicKey(publicKey.publicKeyPem);
      this.verifyWith = (token, options) => jwtVerify(token, key, options);
      this.algorithms = publicKey.algorithms ?? [algorithmOfKey(key)];
    } else {
      // Stryker restore all
      const key = new TextEncoder().encode(secret);
      this.verifyWith = (token, options) => jwtVerify(token, key, options);
      this.algorithms = [algorithm];
    }
  }

  async verify(
    token: string | undefined,
    // Stryker disable next-line StringLiteral: read only by faults, off in every conformance run
    transport: 'header' | 'subprotocol' = 'header',
  ): Promise<AuthResult> {
    const { faults } = this;
    // Stryker disable all: fault injection, off in every conformance run
    // subprotocol-skips-exp: a second code path for browser tokens that forgot exp.
    const ignoreExp =
      faults.has('accept-expired') || (faults.has('subprotocol-skips-exp') && transport === 'subprotocol');
    const subOptional = faults.has('accept-missing-sub');
    // Stryker restore all
    // Stryker disable next-line ConditionalExpression,BlockStatement: without a token jwtVerify refuses too, with the same 401
    if (!token) {
      // Stryker disable all: fault injection, off in every conformance run
      if (faults.has('accept-no-token'))
        return { ok: true, userId: 'anonymous', expiresAtMs: Date.now() + 3_600_000 };
      // Stryker restore all
      // Stryker disable next-line ObjectLiteral,StringLiteral: the refusal's text is free: any result that is not ok is the same 401 (R-2.2)
      return { ok: false, reason: 'no token' };
    }
    // Stryker disable all: fault injection, off in every conformance run
    if (faults.has('accept-alg-none')) {
      const trusted = trustUnsigned(token);
      if (trusted) return trusted;
    }
    // Stryker restore all
    try {
      const { payload } = await this.verifyWith(token, {
        algorithms: [...this.algorithms],
        ...this.claims,
        // Stryker disable next-line all: fault injection, off in every conformance run
        requiredClaims: subOptional ? ['exp'] : ['sub', 'exp'],
        // Stryker disable next-line all: fault injection, off in every conformance run
        ...(ignoreExp ? { clockTolerance: '10 years' } : {}),
      });
      // Stryker disable all: fault injection, off in every conformance run
      if (subOptional && payload.sub === undefined)
        return { ok: true, userId: String(payload.sub), expiresAtMs: (payload.exp as number) * 1000 };
      // Stryker restore all
      if (typeof payload.sub !== 'string' || payload.sub === '')
        // Stryker disable next-line ObjectLiteral,StringLiteral: the refusal's text is free: any result that is not ok is the same 401 (R-2.2)
        return { ok: false, reason: 'sub claim is empty' };
      return { ok: true, userId: payload.sub, expiresAtMs: (payload.exp as number) * 1000 };
    } catch (error) {
      // Stryker disable next-line ObjectLiteral: the refusal's text is free: any result that is not ok is the same 401 (R-2.2)
      return { ok: false, reason: describeJwtError(error) };
    }
  }
}

/** The accept-alg-none fault: believes an unsigned token's claims. */
// Stryker disable all: fault injection, off in every conformance run
function trustUnsigned(token: string): AuthResult | undefined {
  try {
    if (decodeProtectedHeader(token).alg !== 'none') return undefined;
    const { sub } = decodeJwt(token);
    return typeof sub === 'string' && sub
      ? { ok: true, userId: sub, expiresAtMs: Date.now() + 3_600_000 }
      : undefined;
  } catch {
    return undefined;
  }
}
// Stryker restore all

// Stryker disable all: the refusal's message is free text; AEP/1 specifies only the 401 (R-2.2)
function describeJwtError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} invalid or missing`;
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key for the token’s kid';
  return 'token rejected';
}
// Stryker restore all
