import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { hs256Minter, mintToken } from './tokens.js';

describe('hs256Minter', () => {
  const secret = 'a-secret-of-some-length-0123456789';

  it('makes tokens that verify with the secret and carry the claims mintToken gives', async () => {
    const token = hs256Minter(secret)('u_load_abc_7', 3600);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
    const reference = decodeJwt(await mintToken(secret, { sub: 'u_load_abc_7', expiresInS: 3600 }));
    expect(payload.sub).toBe('u_load_abc_7');
    expect(Object.keys(payload)).toEqual(Object.keys(reference));
    expect(Math.abs(payload.exp! - reference.exp!)).toBeLessThanOrEqual(1);
    expect(Math.abs(payload.iat! - reference.iat!)).toBeLessThanOrEqual(1);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('makes tokens another secret does not verify', async () => {
    const token = hs256Minter(secret)('u_1', 60);
    await expect(jwtVerify(token, new TextEncoder().encode(`${secret}x`))).rejects.toThrow(/signature/);
  });

  it('escapes what a user id holds instead of breaking the token', async () => {
    const token = hs256Minter(secret)('u_"quoted"\\ü', 60);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret));
    expect(payload.sub).toBe('u_"quoted"\\ü');
  });
});
