/**
 * The reference backend as a real deployment fronts it: tokens verified by public key (PEM or a
 * JWKS that rotates), issuer and audience checked, wss:// with a certificate made here by
 * openssl. Connections use plain `ws` with the test's CA, as any client would.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { cli, serve } from '../support/cli.js';
import { selfSignedCertificate } from '../support/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'aw-pk-'));
const ISSUER = 'https://idp.example';
const AUDIENCE = 'agentwire-test';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  privateKey: KeyObject;
  jwk: JWK;
}

async function signingKey(kid: string, alg: SigningKey['alg']): Promise<SigningKey> {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(
  key: SigningKey,
  claims: { sub?: string; iss?: string; aud?: string; expiresIn?: string | null },
) {
  let jwt = new SignJWT({ ...(claims.sub === undefined ? { sub: 'u_pk' } : { sub: claims.sub }) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuedAt()
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE);
  if (claims.expiresIn !== null) jwt = jwt.setExpirationTime(claims.expiresIn ?? '5m');
  return jwt.sign(key.privateKey);
}

/** Opens a wss:// connection trusting `ca`; resolves with `ready`'s user, or the HTTP status of a refusal. */
function handshake(url: string, token: string, ca: string): Promise<{ user?: string; status?: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['aep.v1'], { ca, headers: { authorization: `Bearer ${token}` } });
    socket.once('message', (data) => {
      socket.close();
      resolve({ user: (JSON.parse(String(data)) as { user_id: string }).user_id });
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('public-key tokens over wss:// (the reference backend)', () => {
  const certificate = selfSignedCertificate(dir);
  let jwks: Server;
  let jwksUrl: string;
  let published: JWK[] = [];
  let jwksFetches = 0;
  let first: SigningKey;
  let server: RunningServer;

  beforeAll(async () => {
    first = await signingKey('k1', 'RS256');
    published = [first.jwk];
    jwks = createServer((_request, response) => {
      jwksFetches++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    server = await startServer({
      jwtSecret: 'unused-with-a-public-key',
      logLevel: 'silent',
      jwtPublicKey: { jwksUrl, issuer: ISSUER, audience: AUDIENCE },
      tls: { cert: certificate.cert, key: certificate.key },
    });
  });
  afterAll(async () => {
    await server?.close();
    jwks?.close();
  });

  it('serves wss:// and https://, verified by the certificate made for it', async () => {
    expect(server.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(await handshake(server.wsUrl, await sign(first, {}), certificate.cert)).toEqual({ user: 'u_pk' });
    const untrusted = new WebSocket(server.wsUrl, ['aep.v1']);
    const error = await new Promise<Error>((resolve) => untrusted.once('error', resolve));
    expect(error.message).toMatch(/self-signed|certificate/i);
  });

  it('accepts RS256 from the JWKS and refetches it once for a new kid (rotation)', async () => {
    const second = await signingKey('k2', 'RS256');
    published = [first.jwk, second.jwk];
    const before = jwksFetches;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the refetch cooldown
    expect(await handshake(server.wsUrl, await sign(second, { sub: 'u_rotated' }), certificate.cert)).toEqual(
      {
        user: 'u_rotated',
      },
    );
    expect(jwksFetches).toBe(before + 1);
    expect(await handshake(server.wsUrl, await sign(first, {}), certificate.cert)).toEqual({ user: 'u_pk' });
    expect(jwksFetches).toBe(before + 1);
  });

  it('refuses with 401: wrong issuer, wrong audience, no exp, an unknown key, another algorithm', async () => {
    const ca = certificate.cert;
    const stranger = await signingKey('k1', 'RS256');
    const es = await signingKey('k1', 'ES256');
    const cases = {
      'wrong issuer': await sign(first, { iss: 'https://evil.example' }),
      'wrong audience': await sign(first, { aud: 'someone-else' }),
      'no exp': await sign(first, { expiresIn: null }),
      'same kid, other key': await sign(stranger, {}),
      'ES256 where RS256 is pinned': await sign(es, {}),
      expired: await sign(first, { expiresIn: '-1m' }),
    };
    for (const [what, token] of Object.entries(cases))
      expect(await handshake(server.wsUrl, token, ca), what).toEqual({ status: 401 });
  });
});

describe('agentwire serve with --jwt-public-key and --tls-cert (built CLI)', () => {
  it('serves wss:// verifying EdDSA tokens with a PEM key, and refuses bad options with exit 64', async () => {
    const certificate = selfSignedCertificate(dir);
    const key = await signingKey('ed', 'EdDSA');
    const publicKeyPath = join(dir, 'ed.pub.pem');
    const { publicKey } = { publicKey: key.privateKey };
    writeFileSync(
      publicKeyPath,
      (await import('node:crypto'))
        .createPublicKey(publicKey)
        .export({ type: 'spki', format: 'pem' }) as string,
    );
    const backend = await serve(
      [
        '--port',
        '0',
        '--jwt-public-key',
        publicKeyPath,
        '--jwt-issuer',
        ISSUER,
        '--tls-cert',
        certificate.certPath,
        '--tls-key',
        certificate.keyPath,
      ],
      {},
    );
    try {
      expect(backend.wsUrl).toMatch(/^wss:\/\//);
      expect(backend.output()).toContain(
        `tokens      verified with public key ${publicKeyPath} (algorithm of the key, iss ${ISSUER})`,
      );
      expect(backend.output()).not.toContain('demo token');
      expect(await handshake(backend.wsUrl, await sign(key, {}), certificate.cert)).toEqual({ user: 'u_pk' });
      expect(await handshake(backend.wsUrl, await sign(key, { iss: 'x' }), certificate.cert)).toEqual({
        status: 401,
      });
    } finally {
      await backend.stop();
    }
    const both = await cli([
      'serve',
      '--jwt-public-key',
      publicKeyPath,
      '--jwks-url',
      'https://x.example/jwks',
    ]);
    expect(both.code).toBe(64);
    expect(both.stderr).toContain('--jwt-public-key and --jwks-url exclude each other');
    const halfTls = await cli(['serve', '--tls-cert', certificate.certPath]);
    expect(halfTls.code).toBe(64);
    expect(halfTls.stderr).toContain('--tls-cert and --tls-key go together');
    const notAKey = await cli([
      'serve',
      '--jwt-public-key',
      certificate.keyPath.replace('key.pem', 'nope.pem'),
    ]);
    expect(notAKey.code).toBe(64);
    expect(notAKey.stderr).toMatch(/--jwt-public-key .*nope\.pem: ENOENT/);
    const badAlg = await cli(['serve', '--jwks-url', 'https://x.example/jwks', '--jwt-alg', 'HS256']);
    expect(badAlg.code).toBe(64);
    expect(badAlg.stderr).toContain('--jwt-alg "HS256"');
  }, 60_000);
});
