/**
 * `run` and `load` against a real deployment that shares no HS256 secret: the reference backend
 * started by the built CLI with `--jwks-url` (a JWKS served here over HTTP) and `--tls-cert`
 * (a self-signed certificate made by openssl), reached over wss:// with the options a real
 * deployment needs: --jwt-private-key, --token-command, --header, --ca, --insecure.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRECTNESS_THRESHOLDS, cli, type ServedBackend, serve } from '../support/cli.js';
import { selfSignedCertificate } from '../support/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'aw-client-auth-'));
const ISSUER = 'https://idp.example';
const AUDIENCE = 'agentwire-client-test';
const KID = 'client-k1';
const GATEWAY_SECRET = 'gw-value-that-must-not-leak-7f3a';
/** The checks that need a broken token, and whether a token command can make it. */
const BROKEN_TOKEN_CHECKS = {
  'R-2.2/bad-signature-401': true,
  'R-2.2/alg-none-401': true,
  'R-2.2/wrong-algorithm-401': true,
  'R-2.2/expired-token-401': false,
  'R-2.2/missing-exp-401': false,
} as const;

let certPath: string;
let keyPath: string;
let privateKeyPem: string;
let jwks: Server;
let backend: ServedBackend;
let wssUrl: string;

function path(name: string): string {
  return join(dir, name);
}

beforeAll(async () => {
  certPath = selfSignedCertificate(dir, 'tls-key.pem').certPath;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  keyPath = path('signing-key.pem');
  writeFileSync(keyPath, privateKeyPem);
  const jwk = { ...(await exportJWK(publicKey as KeyObject)), kid: KID, alg: 'RS256', use: 'sig' };
  jwks = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  backend = await serve(
    [
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--jwks-url',
      jwksUrl,
      '--jwt-alg',
      'RS256',
      '--jwt-issuer',
      ISSUER,
      '--jwt-audience',
      AUDIENCE,
      '--tls-cert',
      certPath,
      '--tls-key',
      path('tls-key.pem'),
      '--log-level',
      'error',
    ],
    {},
  );
  wssUrl = backend.wsUrl;
  expect(wssUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+/);
});

afterAll(async () => {
  await backend?.stop();
  jwks?.close();
  rmSync(dir, { recursive: true, force: true });
});

const keyOptions = () => [
  '--jwt-private-key',
  keyPath,
  '--jwt-alg',
  'RS256',
  '--jwt-kid',
  KID,
  '--jwt-issuer',
  ISSUER,
  '--jwt-audience',
  AUDIENCE,
];

interface ReportLike {
  verdict: string;
  target: { auth?: string; tls?: { insecure: boolean; ca?: boolean }; headers?: string[] };
  checks: { id: string; status: string; reason?: string }[];
}

function readReport(reportDir: string): ReportLike {
  return JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as ReportLike;
}

function statusOf(report: ReportLike, id: string) {
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`check ${id} is not in the report`);
  return check;
}

/** The base64 lines of the private key: none may appear anywhere we write. */
function keyFragments(): string[] {
  return privateKeyPem
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .slice(1, 6);
}

/** Everything a `run` wrote: its output and its three reports. */
function writtenByRun(result: { stdout: string; stderr: string }, reportDir: string): Record<string, string> {
  const report = (name: string) => readFileSync(join(reportDir, name), 'utf8');
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    'report.json': report('report.json'),
    'junit.xml': report('junit.xml'),
    'report.html': report('report.html'),
  };
}

function expectNoSecrets(texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) {
    expect(text, `${where} contains a JWT`).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}/);
    expect(text, `${where} contains the gateway header value`).not.toContain(GATEWAY_SECRET);
    expect(text, `${where} contains the private key`).not.toContain('PRIVATE KEY');
    for (const fragment of keyFragments())
      expect(text, `${where} contains the private key`).not.toContain(fragment);
  }
}

describe('agentwire run/load against a JWKS + TLS deployment (built CLI)', () => {
  it('run with --jwt-private-key and --ca passes, the broken-token checks really run, and no secret is written', async () => {
    const reportDir = path('report-key');
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      '--ca',
      certPath,
      ...keyOptions(),
      '--header',
      `X-Gateway-Key: ${GATEWAY_SECRET}`,
      '--checks',
      'R-2.*,R-1.5/*,R-3.1/*,scenario/message-flow*',
      '--report-dir',
      reportDir,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const report = readReport(reportDir);
    expect(report.verdict).toBe('PASSED');
    for (const id of Object.keys(BROKEN_TOKEN_CHECKS)) expect(statusOf(report, id).status, id).toBe('passed');
    for (const id of ['R-2.2/sub-is-user-id', 'R-2.4/expiry-closes-4401', 'R-1.5/health-ok'])
      expect(statusOf(report, id).status, id).toBe('passed');
    expect(report.target.auth).toBe(`RS256 private key (kid ${KID})`);
    expect(report.target.tls).toEqual({ insecure: false, ca: true });
    expect(report.target.headers).toEqual(['X-Gateway-Key']);
    expect(result.stdout).toContain(`auth RS256 private key (kid ${KID}) · TLS verified with --ca`);
    expectNoSecrets(writtenByRun(result, reportDir));
  }, 180_000);

  it('a failed check keeps its evidence, and the evidence carries no token, key or header value', async () => {
    // The backend has no Origin allowlist, so the check that expects a foreign Origin refused fails.
    const reportDir = path('report-failing');
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      '--ca',
      certPath,
      ...keyOptions(),
      '--header',
      `X-Gateway-Key: ${GATEWAY_SECRET}`,
      '--allowed-origin',
      'https://app.example',
      '--checks',
      'R-2.3/foreign-origin-403,R-2.5/*',
      '--report-dir',
      reportDir,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as {
      checks: { id: string; status: string; evidence?: unknown }[];
    };
    const failed = report.checks.find((c) => c.id === 'R-2.3/foreign-origin-403');
    expect(failed?.status).toBe('failed');
    expect(failed?.evidence, JSON.stringify(failed)).toBeDefined();
    expectNoSecrets(writtenByRun(result, reportDir));
  }, 120_000);

  it('run --profile ag-ui over https:// with the same options passes; without --ca it stops at the TLS error', async () => {
    const agUiUrl = wssUrl.replace(/^wss:/, 'https:').replace(/\/ws$/, '/agent');
    const reportDir = path('report-ag-ui');
    const result = await cli([
      'run',
      '--profile',
      'ag-ui',
      '--target',
      agUiUrl,
      '--ca',
      certPath,
      ...keyOptions(),
      '--header',
      `X-Gateway-Key: ${GATEWAY_SECRET}`,
      '--report-dir',
      reportDir,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const report = readReport(reportDir);
    expect(report.checks.filter((c) => c.status === 'passed').length).toBeGreaterThan(5);
    expect(report.target.tls).toEqual({ insecure: false, ca: true });
    expectNoSecrets({
      stdout: result.stdout,
      stderr: result.stderr,
      'report.json': readFileSync(join(reportDir, 'report.json'), 'utf8'),
    });

    const untrusted = await cli([
      'run',
      '--profile',
      'ag-ui',
      '--target',
      agUiUrl,
      ...keyOptions(),
      '--report-dir',
      path('report-ag-ui-untrusted'),
    ]);
    expect(untrusted.code).toBe(2);
    expect(untrusted.stdout + untrusted.stderr).toMatch(/certificate is not trusted .*pass --ca FILE/);
  }, 180_000);

  it('the target really verifies: a key it does not know is refused at the preflight (exit 2)', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const otherPath = path('other-key.pem');
    writeFileSync(otherPath, other.export({ type: 'pkcs8', format: 'pem' }) as string);
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      '--ca',
      certPath,
      ...keyOptions().map((arg) => (arg === keyPath ? otherPath : arg)),
      '--checks',
      'R-2.2/*',
      '--report-dir',
      path('report-other-key'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('refused a valid test token (HTTP 401)');
    expect(readReport(path('report-other-key')).checks.every((c) => c.status === 'skipped')).toBe(true);
  }, 120_000);

  it('load with the same options passes with 0 errors', async () => {
    const out = path('load.json');
    const result = await cli([
      'load',
      '--target',
      wssUrl,
      '--ca',
      certPath,
      ...keyOptions(),
      '--header',
      `X-Gateway-Key: ${GATEWAY_SECRET}`,
      '--sessions',
      '20',
      '--ramp-ms',
      '500',
      '--hold-ms',
      '0',
      '--runs',
      '2',
      '--delay-ms',
      '0',
      ...CORRECTNESS_THRESHOLDS,
      '--out',
      out,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.stdout + result.stderr).not.toContain('TLS NOT VERIFIED');
    expect(report.counters.sessions_opened).toBe(20);
    expect(report.counters.sessions_failed).toBe(0);
    expect(report.counters.runs_completed).toBe(40);
    expect(report.counters.runs_failed).toBe(0);
    expect(report.target).toMatchObject({
      auth: `RS256 private key (kid ${KID})`,
      tls: { insecure: false, ca: true },
      headers: ['X-Gateway-Key'],
    });
    expectNoSecrets({ stdout: result.stdout, stderr: result.stderr, 'load.json': readFileSync(out, 'utf8') });
  }, 180_000);

  it('monitor takes the same options: a run against the JWKS + TLS deployment is recorded as passed', async () => {
    const history = path('monitor.sqlite');
    const result = await cli([
      'monitor',
      '--every',
      '1s',
      '--runs',
      '1',
      '--history',
      history,
      '--target',
      wssUrl,
      '--ca',
      certPath,
      ...keyOptions(),
      '--header',
      `X-Gateway-Key: ${GATEWAY_SECRET}`,
      '--checks',
      'R-2.2/*,R-3.1/*',
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const db = new Database(history, { readonly: true });
    try {
      const runs = db.prepare('SELECT verdict, executed, failed FROM runs').all() as {
        verdict: string;
        executed: number;
        failed: number;
      }[];
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ verdict: 'PASSED', failed: 0 });
      expect(runs[0]!.executed).toBeGreaterThan(5);
    } finally {
      db.close();
    }
    expectNoSecrets({
      stdout: result.stdout,
      stderr: result.stderr,
      history: readFileSync(history, 'latin1'),
    });
  }, 120_000);

  it('run with --token-command passes; checks that need a token it cannot make are unsupported with the reason', async () => {
    // A stand-in identity provider: signs RS256 with node:crypto, logs each user it is asked for.
    const script = path('mint-token.mjs');
    const calls = path('token-calls.log');
    writeFileSync(
      script,
      `import { createSign } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
const user = process.argv[2];
appendFileSync(${JSON.stringify(calls)}, user + '\\n');
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = b64({ alg: 'RS256', typ: 'JWT', kid: ${JSON.stringify(KID)} }) + '.' +
  b64({ sub: user, iss: ${JSON.stringify(ISSUER)}, aud: ${JSON.stringify(AUDIENCE)}, iat: now - 1, exp: now + 600 });
const signature = createSign('RSA-SHA256').update(input).sign(readFileSync(${JSON.stringify(keyPath)}, 'utf8'));
process.stdout.write(input + '.' + signature.toString('base64url') + '\\n');
`,
    );
    const reportDir = path('report-command');
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      '--ca',
      certPath,
      '--token-command',
      `${process.execPath} ${script} {user}`,
      '--checks',
      'R-2.*,R-1.5/*',
      '--report-dir',
      reportDir,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const report = readReport(reportDir);
    expect(report.target.auth).toBe('token command');
    for (const [id, makeable] of Object.entries(BROKEN_TOKEN_CHECKS)) {
      const check = statusOf(report, id);
      if (makeable) expect(check.status, id).toBe('passed');
      else {
        expect(check.status, id).toBe('unsupported');
        expect(check.reason).toMatch(/--token-command.*signing key/);
      }
    }
    // A token of a chosen short lifetime needs the key too: the expiry check cannot pass.
    expect(statusOf(report, 'R-2.4/expiry-closes-4401').status).toBe('unsupported');
    expect(statusOf(report, 'R-2.2/sub-is-user-id').status).toBe('passed');
    // Once per user: no user was asked for twice.
    const users = readFileSync(calls, 'utf8').trim().split('\n');
    expect(users.length).toBeGreaterThan(3);
    expect(new Set(users).size).toBe(users.length);
    expectNoSecrets({
      stdout: result.stdout,
      stderr: result.stderr,
      'report.json': readFileSync(join(reportDir, 'report.json'), 'utf8'),
      'junit.xml': readFileSync(join(reportDir, 'junit.xml'), 'utf8'),
    });
  }, 180_000);

  it('a failing --token-command stops the run with its exit code and first stderr line (exit 2)', async () => {
    const script = path('failing-idp.sh');
    writeFileSync(script, 'echo "idp unreachable: connection refused" >&2\necho "second line" >&2\nexit 3\n');
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      '--ca',
      certPath,
      '--token-command',
      `sh ${script} {user}`,
      '--checks',
      'R-2.2/*',
      '--report-dir',
      path('report-failing-command'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /--token-command failed for user \S+ \(exit code 3\): idp unreachable: connection refused/,
    );
    expect(result.stdout + result.stderr).not.toContain('second line');
  }, 120_000);

  it('--insecure without --ca works and is named loudly in the summary and the reports', async () => {
    const reportDir = path('report-insecure');
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      '--insecure',
      ...keyOptions(),
      '--checks',
      'R-1.5/*,R-2.2/sub-is-user-id',
      '--report-dir',
      reportDir,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('TLS NOT VERIFIED (--insecure)');
    expect(result.stderr).toContain("--insecure: the target's TLS certificate is not verified");
    expect(readReport(reportDir).target.tls).toEqual({ insecure: true });

    const out = path('load-insecure.json');
    const load = await cli([
      'load',
      '--target',
      wssUrl,
      '--insecure',
      ...keyOptions(),
      '--sessions',
      '3',
      '--ramp-ms',
      '100',
      '--hold-ms',
      '0',
      ...CORRECTNESS_THRESHOLDS,
      '--out',
      out,
      '--report-dir',
      path('load-insecure'),
    ]);
    expect(load.code, `${load.stdout}\n${load.stderr}`).toBe(0);
    expect(load.stdout).toContain('TLS NOT VERIFIED (--insecure)');
    expect(load.stderr).toContain('TLS NOT VERIFIED (--insecure)');
    expect(readFileSync(join(path('load-insecure'), 'load.html'), 'utf8')).toContain(
      'TLS NOT VERIFIED (--insecure)',
    );
    expect(JSON.parse(readFileSync(out, 'utf8')).target.tls).toEqual({ insecure: true });
  }, 180_000);

  it('without --ca or --insecure a self-signed target fails with a clear TLS error (exit 2, no stack)', async () => {
    const result = await cli([
      'run',
      '--target',
      wssUrl,
      ...keyOptions(),
      '--checks',
      'R-1.5/*',
      '--report-dir',
      path('report-untrusted'),
    ]);
    expect(result.code).toBe(2);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\): pass --ca FILE/);
    expect(output).not.toMatch(/\n\s+at /);

    const load = await cli([
      'load',
      '--target',
      wssUrl,
      ...keyOptions(),
      '--sessions',
      '2',
      '--ramp-ms',
      '0',
      ...CORRECTNESS_THRESHOLDS,
    ]);
    expect(load.code).toBe(2);
    expect(load.stdout + load.stderr).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(load.stdout + load.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});

describe('client options: bad input is a usage error naming the fix (exit 64)', () => {
  const ecKeyPath = () => {
    const file = path('ec-key.pem');
    writeFileSync(
      file,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    return file;
  };
  const cases: [string, () => string[], RegExp][] = [
    [
      'unreadable key file',
      () => ['--jwt-private-key', path('missing.pem'), '--jwt-alg', 'RS256'],
      /cannot read --jwt-private-key .*missing\.pem \(ENOENT\): give the path of a PEM private key/,
    ],
    [
      'key that does not match the alg',
      () => ['--jwt-private-key', ecKeyPath(), '--jwt-alg', 'RS256'],
      /an ec key cannot sign RS256: use ES256/,
    ],
    ['--jwt-alg without a key', () => ['--jwt-alg', 'RS256'], /add --jwt-private-key PATH/],
    [
      'both --jwt-secret and --jwt-private-key',
      // The key file does not exist: the contradiction is named before any file is read.
      () => ['--jwt-secret', 'shared-secret-xyz', '--jwt-private-key', path('missing.pem')],
      /--jwt-secret and --jwt-private-key both say where tokens come from: keep one/,
    ],
    [
      'malformed --header',
      () => ['--jwt-secret', 's3cret', '--header', 'Authorization Bearer abcdef-secret'],
      /--header number 1 must look like "Name: value"/,
    ],
    [
      'unreadable --ca',
      () => ['--jwt-secret', 's3cret', '--ca', path('no-ca.pem')],
      /cannot read --ca .*no-ca\.pem \(ENOENT\)/,
    ],
    [
      '--ca that holds no certificate',
      () => ['--jwt-secret', 's3cret', '--ca', keyPath],
      /holds no PEM certificate/,
    ],
    ['--token-command without {user}', () => ['--token-command', 'echo token'], /must contain \{user\}/],
  ];
  for (const command of ['run', 'load'] as const) {
    it.each(cases)(`${command}: %s`, async (_name, args, message) => {
      const result = await cli([
        command,
        '--target',
        'wss://127.0.0.1:9/ws',
        ...args(),
        '--report-dir',
        path(`r-${command}`),
      ]);
      expect(result.code, result.stderr).toBe(64);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain('abcdef-secret');
      expect(result.stderr).not.toContain('shared-secret-xyz');
      expect(result.stderr).not.toContain('PRIVATE KEY');
      expect(result.stdout).toBe('');
    });
  }
});
