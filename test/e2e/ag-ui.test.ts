import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGUIMock } from '@copilotkit/aimock';
import { afterAll, describe, expect, it } from 'vitest';
import { cli as runCli } from '../support/cli.js';

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

async function cli(args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'aw-agui-'));
  const result = await runCli(['run', '--report-dir', dir, ...args]);
  const report = await readFile(join(dir, 'report.json'), 'utf8').then(JSON.parse, () => undefined);
  return { ...result, report };
}

/** An AG-UI server with two classic bugs: content before its message starts, and no RUN_FINISHED. */
async function brokenAgUiServer(): Promise<string> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      let input: { threadId?: string; runId?: string; messages?: unknown };
      try {
        input = JSON.parse(body);
      } catch {
        input = {};
      }
      if (!Array.isArray(input.messages)) {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad input"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (event: object) => response.write(`data: ${JSON.stringify(event)}\n\n`);
      send({ type: 'RUN_STARTED', threadId: input.threadId, runId: input.runId });
      send({ type: 'TEXT_MESSAGE_CONTENT', messageId: 'm1', delta: 'Hello' });
      send({ type: 'TEXT_MESSAGE_START', messageId: 'm1', role: 'assistant' });
      send({ type: 'TEXT_MESSAGE_END', messageId: 'm1' });
      response.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
}

describe('agentwire run --profile ag-ui (built CLI)', () => {
  it('passes every AG-UI check against the embedded reference backend’s /agent', async () => {
    const result = await cli(['--profile', 'ag-ui']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.profile).toBe('ag-ui');
    expect(result.report.target.ag_ui_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/agent$/);
    expect(result.report.summary).toMatchObject({ failed: 0, unsupported: 0, skipped: 0 });
    expect(result.report.summary.executed).toBeGreaterThanOrEqual(10);
  });

  it('fails the named checks against a broken AG-UI server, and marks auth unsupported without a secret', async () => {
    const url = await brokenAgUiServer();
    const result = await cli(['--profile', 'ag-ui', '--target', url]);
    expect(result.code, result.stderr).toBe(1);
    const status = Object.fromEntries(
      result.report.checks.map((check: { id: string; status: string }) => [check.id, check.status]),
    );
    expect(status['AGUI-4/text-message-pairing']).toBe('failed');
    expect(status['AGUI-3/single-terminal-event']).toBe('failed');
    expect(status['AGUI-T/requires-auth']).toBe('unsupported');
    expect(status['AGUI-2/run-started-first']).toBe('passed');
    expect(status['AGUI-T/rejects-bad-input']).toBe('passed');
  });

  it('@copilotkit/aimock (a third-party AG-UI server): streams are well formed, but it does not echo the input’s ids, streams for a body without messages, and its tool-call answer has no text to judge', async () => {
    const mock = new AGUIMock({ port: 0 });
    mock.onToolCall(/weather/i, 'get_weather', '{"city":"Lisbon"}', { result: '{"temp":21}' });
    mock.onMessage(/.*/, 'Sunny, 21 degrees in Lisbon.');
    const url = await mock.start();
    try {
      const result = await cli(['--profile', 'ag-ui', '--target', url]);
      expect(result.code, result.stderr).toBe(1);
      const status = Object.fromEntries(
        result.report.checks.map((check: { id: string; status: string }) => [check.id, check.status]),
      );
      for (const id of [
        'AGUI-T/event-stream-answer',
        'AGUI-1/schema-valid-events',
        'AGUI-2/run-started-first',
        'AGUI-3/single-terminal-event',
        'AGUI-3/nothing-after-end',
        'AGUI-5/tool-call-pairing',
        'AGUI-T/minimal-input-accepted',
        'AGUI-3/successful-run-finishes',
      ])
        expect(status[id], id).toBe('passed');
      expect(status['AGUI-2/ids-echoed']).toBe('failed');
      expect(status['AGUI-T/rejects-bad-input']).toBe('failed');
      // Its answer to a weather question is a tool call and no text: the pairing of text messages
      // had nothing to judge, which is reported as such rather than as a pass.
      const textPairing = result.report.checks.find(
        (check: { id: string }) => check.id === 'AGUI-4/text-message-pairing',
      );
      expect(textPairing.status).toBe('unsupported');
      expect(textPairing.reason).toContain('streamed no text message');
    } finally {
      await mock.stop();
    }
  });

  it('refuses a ws:// target for the ag-ui profile, and an unknown profile, with exit 64', async () => {
    const wrong = await cli(['--profile', 'ag-ui', '--target', 'ws://127.0.0.1:1/ws']);
    expect(wrong.code).toBe(64);
    expect(wrong.stderr).toContain('the ag-ui profile checks an http:// or https:// endpoint');
    const unknown = await cli(['--profile', 'graphql']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown --profile "graphql"');
  });
});
