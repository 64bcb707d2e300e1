import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AEP_CHECKS, selectChecks } from '../checks/index.js';
import { commandTokenSource, parseHeaderOption, privateKeyTokenSource } from '../client/index.js';
import { type RunningServer, startServer } from '../server/index.js';
import { preflight } from './preflight.js';
import { PROFILES } from './profile.js';
import { runChecks } from './run-checks.js';
import { createTokenFactoryFrom } from './token-factory.js';

const dir = mkdtempSync(join(tmpdir(), 'aw-tokens-'));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const ISSUER = 'https://idp.test';
const AUDIENCE = 'agentwire';
// Checks that need a token only the signing key can make.
const NEED_SIGNING = [
  'R-2.2/expired-token-401',
  'R-2.2/missing-exp-401',
  'R-2.2/missing-sub-401',
  'R-2.2/empty-sub-401',
  'R-2.2/non-string-sub-401',
  // The same refused tokens offered as bearer.<jwt>: the expired and exp-less ones need the key.
  'R-2.2/refusals-via-subprotocol',
  'R-2.5/no-token-in-refusal',
];

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    jwtSecret: 'unused',
    logLevel: 'silent',
    jwtPublicKey: {
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      issuer: ISSUER,
      audience: AUDIENCE,
    },
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function authChecks(tokens: ReturnType<typeof createTokenFactoryFrom>) {
  const target = await preflight({ wsUrl: server.wsUrl, httpUrl: server.httpUrl }, tokens);
  return runChecks(selectChecks(AEP_CHECKS, 'R-2.1/*,R-2.2/*,R-2.5/*'), {
    target,
    tokens,
    profile: PROFILES.local,
  });
}

describe('token sources against a target that verifies RS256 with its public key', () => {
  it('a private key (RS256, kid, iss, aud): every auth check passes, the broken tokens made from the key', async () => {
    const source = privateKeyTokenSource({
      pem: privatePem,
      algorithm: 'RS256',
      kid: 'k1',
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const results = await authChecks(createTokenFactoryFrom(source));
    expect(
      results.filter((r) => r.status !== 'passed').map((r) => `${r.id}: ${r.status} ${r.reason}`),
    ).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
  });

  it('a token command: run once per user; checks needing the key are unsupported with the reason, never passed', async () => {
    const log = join(dir, 'calls.log');
    const script = join(dir, 'mint.mjs');
    writeFileSync(join(dir, 'key.pem'), privatePem);
    writeFileSync(
      script,
      `import { appendFileSync, readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from '${join(import.meta.dirname, '../../node_modules/jose/dist/webapi/index.js')}';
const user = process.argv[2];
appendFileSync(${JSON.stringify(log)}, user + '\\n');
const key = createPrivateKey(readFileSync(${JSON.stringify(join(dir, 'key.pem'))}));
process.stdout.write(await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject(user)
  .setIssuer(${JSON.stringify(ISSUER)}).setAudience(${JSON.stringify(AUDIENCE)}).setIssuedAt().setExpirationTime('10m').sign(key));
`,
    );
    const source = commandTokenSource(`${process.execPath} ${script} {user}`);
    const results = await authChecks(createTokenFactoryFrom(source));
    const unsupported = results.filter((r) => r.status === 'unsupported');
    expect(results.filter((r) => r.status === 'failed').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    expect(unsupported.map((r) => r.id).sort()).toEqual([...NEED_SIGNING].sort());
    for (const result of unsupported) expect(result.reason).toContain('--token-command');
    for (const id of [
      'R-2.2/bad-signature-401',
      'R-2.2/alg-none-401',
      'R-2.2/wrong-algorithm-401',
      'R-2.2/sub-is-user-id',
    ])
      expect(results.find((r) => r.id === id)?.status, id).toBe('passed');
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(new Set(calls).size).toBe(calls.length);
  }, 60_000);

  it('names what is wrong with a bad command, key or header', async () => {
    expect(() => commandTokenSource('print-token')).toThrow(/must contain \{user\}/);
    await expect(commandTokenSource('exit 3 # {user}').tokenFor('u_1')).rejects.toThrow(
      /failed for user u_1 \(exit code 3\)/,
    );
    await expect(commandTokenSource('echo not-a-jwt {user}').tokenFor('u_1')).rejects.toThrow(
      /printed no JWT/,
    );
    expect(() => privateKeyTokenSource({ pem: privatePem, algorithm: 'EdDSA' })).toThrow(
      /a rsa key cannot sign EdDSA: use RS256/,
    );
    expect(parseHeaderOption('X-Gateway-Key:  abc ')).toEqual(['X-Gateway-Key', 'abc']);
    expect(() => parseHeaderOption('no colon')).toThrow(/must look like "Name: value"/);
  });
});
