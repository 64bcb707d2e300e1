import type { TokenFactory } from '../checks/index.js';
import { mintForeignToken, mintToken, mintUnsignedToken } from '../client/index.js';

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
