import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AG_UI_RULES } from '../agui/index.js';
import { AEP_CHECKS, AG_UI_CHECKS } from '../checks/index.js';
import { AepConnection, mintToken, newSecret, newUserId } from '../client/index.js';
import { RULE_IDS } from '../protocol/index.js';
import { FAULT_NAMES, FAULTS, FaultError, type FaultSpec, faultSetOf } from './faults.js';
import { type RunningServer, startServer } from './server.js';

const run = promisify(execFile);
const started: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

async function serverWith(faults: string[], secret = newSecret()) {
  const server = await startServer({ jwtSecret: secret, logLevel: 'silent', faults });
  started.push(server);
  return { server, secret };
}

async function session(server: RunningServer, secret: string) {
  const token = await mintToken(secret, { sub: newUserId() });
  const connection = await AepConnection.open({ url: server.wsUrl, token, auth: 'header' });
  await connection.ready();
  return connection;
}

describe('fault catalogue', () => {
  it('names a real rule and existing checks for every fault', () => {
    const aep = new Set(AEP_CHECKS.map((check) => check.id));
    const agUi = new Set(AG_UI_CHECKS.map((check) => check.id));
    for (const name of FAULT_NAMES) {
      const fault: FaultSpec = FAULTS[name];
      const onAgUi = fault.profile === 'ag-ui';
      expect(onAgUi ? Object.keys(AG_UI_RULES) : RULE_IDS, name).toContain(fault.rule);
      expect(fault.caughtBy.length, name).toBeGreaterThan(0);
      for (const id of fault.caughtBy) expect((onAgUi ? agUi : aep).has(id), `${name} → ${id}`).toBe(true);
    }
  });

  it('docs/faults.md lists every fault with its rule and checks', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/faults.md'), 'utf8');
    for (const name of FAULT_NAMES) {
      const { rule, caughtBy } = FAULTS[name];
      expect(doc, name).toContain(`| \`${name}\` | ${rule} |`);
      for (const id of caughtBy) expect(doc, `${name} → ${id}`).toContain(`\`${id}\``);
    }
  });

  it('refuses unknown faults with the valid names, and any fault in production', () => {
    expect(() => faultSetOf(['seq-gapp'], 'embedded')).toThrow(
      /unknown fault "seq-gapp": use one of dup-completed/,
    );
    expect(() => faultSetOf(['seq-gap'], 'production')).toThrow(FaultError);
    expect(() => faultSetOf(['seq-gap'], 'embedded', { NODE_ENV: 'production' })).toThrow(
      /NODE_ENV=production/,
    );
    expect(faultSetOf([], 'production').size).toBe(0);
  });
});

describe('faults at the wire', () => {
  it('seq-gap: the third event of a thread is numbered 4; a clean server numbers it 3', async () => {
    for (const [faults, third] of [
      [['seq-gap'], 4],
      [[], 3],
    ] as const) {
      const { server, secret } = await serverWith([...faults]);
      const connection = await session(server, secret);
      const { events } = await connection.runToCompletion({ scenario: { delay_ms: 1 } });
      expect(events[2]?.seq).toBe(third);
      await connection.close();
    }
  });

  it('accept-no-token: a handshake without a token gets a session as "anonymous"', async () => {
    const { server } = await serverWith(['accept-no-token']);
    const connection = await AepConnection.open({ url: server.wsUrl, auth: 'none' });
    expect((await connection.ready()).user_id).toBe('anonymous');
    await connection.close();
  });

  it('crash-on-bad-json in-process: every socket is cut and the port stops listening', async () => {
    const { server, secret } = await serverWith(['crash-on-bad-json']);
    const connection = await session(server, secret);
    connection.sendRaw('{not json');
    const closed = await connection.waitForClose(2000);
    expect(closed.code).toBe(1006);
    await expect(fetch(`${server.httpUrl}/health`)).rejects.toThrow();
  });

  it('crash-on-bad-json under agentwire serve exits the process, non-zero', async () => {
    const cli = join(import.meta.dirname, '../../dist/cli.js');
    const secret = newSecret();
    const child = execFile(process.execPath, [
      cli,
      'serve',
      '--port',
      '0',
      '--jwt-secret',
      secret,
      '--fault',
      'crash-on-bad-json',
    ]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const banner = await new Promise<string>((resolve) => {
      let text = '';
      child.stdout?.on('data', (chunk) => {
        text += chunk;
        if (text.includes('Ctrl+C')) resolve(text);
      });
    });
    expect(banner).toContain('FAULTS INJECTED: crash-on-bad-json');
    const wsUrl = /websocket\s+(\S+)/.exec(banner)![1]!;
    const token = await mintToken(secret, { sub: newUserId() });
    const connection = await AepConnection.open({ url: wsUrl, token, auth: 'header' });
    await connection.ready();
    connection.sendRaw('{not json');
    expect(await exited).toBe(70);
  });

  it('serve refuses an unknown fault, and faults on several instances, with exit 64', async () => {
    const cli = join(import.meta.dirname, '../../dist/cli.js');
    const result = await run(process.execPath, [cli, 'serve', '--port', '0', '--fault', 'nope']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect('code' in result && result.code).toBe(64);
    expect('stderr' in result && result.stderr).toContain('unknown fault "nope"');
    const clustered = await run(process.execPath, [
      cli,
      'serve',
      '--port',
      '18999',
      '--instances',
      '2',
      '--fault',
      'seq-dup',
    ]).catch((error: { code: number; stderr: string }) => error);
    expect('code' in clustered && clustered.code).toBe(64);
    expect('stderr' in clustered && clustered.stderr).toContain('faults apply to a single instance');
  });
});
