import { type TokenFactory, Unsupported } from '../checks/index.js';
import {
  type ClaimsToSign,
  mintForeignToken,
  mintToken,
  mintUnsignedToken,
  type TokenSource,
  withBrokenSignature,
  withOtherAlgorithm,
} from '../client/index.js';

/** Tokens for the target's configured HS256 secret, and each broken variant names. */
export function createTokenFactory(secret: string): TokenFactory {
  return {
    valid: (sub, options) => mintToken(secret, { sub, expiresInS: options?.expiresInS }),
    expired: (sub) => mintToken(secret, { sub, expiresInS: -120 }),
    badSignature: (sub) => mintForeignToken(sub),
    algNone: (sub) => mintUnsignedToken(sub),
    wrongAlgorithm: (sub) => mintToken(secret, { sub, alg: 'HS512' }),
    withoutExp: (sub) => mintToken(secret, { sub, omitExp: true }),
    withoutSub: () => mintToken(secret, { sub: undefined }),
    emptySub: () => mintToken(secret, { sub: '' }),
    numericSub: () => mintToken(secret, { sub: 42 }),
  };
}

/**
 * Tokens from any source (a private key, a token command, …). Broken variants that need only the
 * header and payload shape (bad signature, alg none, another algorithm) are made from a valid
 * token; those that need the signing key (expired, no exp, no sub, empty sub) are unsupported,
 * with the reason, when the source cannot sign — never passed.
 */
export function createTokenFactoryFrom(source: TokenSource): TokenFactory {
  const signed = (claims: ClaimsToSign): Promise<string> => {
    if (!source.sign) throw new Unsupported(source.cannotSign ?? `${source.description} cannot sign tokens`);
    return source.sign(claims);
  };
  return {
    // A token of a chosen short lifetime (the expiry checks) needs the signing key too.
    valid: async (sub, options) => {
      if (options?.expiresInS !== undefined && !source.sign)
        throw new Unsupported(
          source.cannotSign ?? `${source.description} cannot make a token of a chosen lifetime`,
        );
      return source.tokenFor(sub, options);
    },
    expired: async (sub) => signed({ sub, expiresInS: -120 }),
    badSignature: async (sub) => withBrokenSignature(await source.tokenFor(sub)),
    algNone: (sub) => mintUnsignedToken(sub),
    wrongAlgorithm: async (sub) => withOtherAlgorithm(await source.tokenFor(sub), source.algorithm),
    withoutExp: async (sub) => signed({ sub }),
    withoutSub: async () => signed({ expiresInS: 600 }),
    emptySub: async () => signed({ sub: '', expiresInS: 600 }),
    numericSub: async () => signed({ sub: 42, expiresInS: 600 }),
  };
}
