/** Section 1 of AEP/1: WebSocket transport, framing, size and binary limits, /health. */
import { CloseCode, SUBPROTOCOL } from '../protocol/index.js';
import type { Check } from './check.js';
import { expectEqual, expectTrue, fail } from './expect.js';
import { expectFramesMatchSchemas, getHealth, scenario } from './helpers.js';

export const transportChecks: Check[] = [
  {
    id: 'R-1.1/subprotocol-selected',
    rules: ['R-1.1'],
    title: 'The server selects aep.v1 when the client offers it',
    requires: [],
    async run(context) {
      const connection = await context.session();
      expectEqual(connection.protocol, SUBPROTOCOL, 'selected subprotocol');
    },
  },
  {
    id: 'R-1.2/frames-are-json-objects',
    rules: ['R-1.2'],
    title: 'Every server frame of a full run is a UTF-8 JSON text frame with a string type',
    requires: [],
    async run(context) {
      const connection = await context.session();
      await connection.runToCompletion({ scenario: scenario(context, { tools: 2 }) });
      for (const frame of connection.received) {
        expectTrue(!frame.binary, 'the server sent a binary frame', { frame: frame.raw });
        expectTrue(frame.json !== undefined, 'a server frame is not a JSON object', { frame: frame.raw });
        expectTrue(typeof frame.json.type === 'string', 'a server frame has no string "type"', {
          frame: frame.json,
        });
      }
    },
  },
  {
    id: 'R-1.2/frames-match-schemas',
    rules: ['R-1.2', 'R-3.1'],
    title: 'ready, ack and every event frame carry the fields AEP/1 defines, with the right types',
    requires: [],
    async run(context) {
      const connection = await context.session();
      await connection.runToCompletion({
        scenario: scenario(context, { tools: 1, fail_tool: 1, thinking: true }),
      });
      expectFramesMatchSchemas(connection.jsonFrames());
    },
  },
  {
    id: 'R-1.3/oversized-frame-closes-1009',
    rules: ['R-1.3', 'R-6.3'],
    title: 'A frame larger than limits.max_frame_bytes closes the connection with 1009',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const limit = context.target.limits.max_frame_bytes;
      const padding = 'x'.repeat(limit + 1);
      connection.sendRaw(JSON.stringify({ type: 'user_message', id: 'big-1', text: padding }), {
        note: `<user_message of ${limit + 40} bytes>`,
      });
      const close = await connection
        .waitForClose(3000)
        .catch(() => fail('the connection stayed open after an oversized frame'));
      expectEqual(close.code, CloseCode.messageTooBig, 'close code after an oversized frame');
    },
  },
  {
    id: 'R-1.3/frame-under-limit-accepted',
    rules: ['R-1.3'],
    title: 'A frame just under limits.max_frame_bytes is accepted and answered',
    requires: [],
    async run(context) {
      const connection = await context.session();
      const limit = context.target.limits.max_frame_bytes;
      const text = 'y'.repeat(Math.max(1, limit - 512));
      const answer = await connection.startRun({ text, scenario: scenario(context, { tools: 0 }) });
      expectEqual(answer.type, 'ack', `answer to a ${limit - 400}-byte user_message`);
      await connection.waitForRunEnd(String(answer.run_id));
    },
  },
  {
    id: 'R-1.4/binary-frame-closes-1003',
    rules: ['R-1.4', 'R-6.3'],
    title: 'A binary frame closes the connection with 1003',
    requires: [],
    async run(context) {
      const connection = await context.session();
      connection.sendRaw(Buffer.from(JSON.stringify({ type: 'ping', id: 'bin-1' })), {
        binary: true,
        note: '<binary ping>',
      });
      const close = await connection
        .waitForClose(3000)
        .catch(() => fail('the connection stayed open after a binary frame'));
      expectEqual(close.code, CloseCode.unsupportedData, 'close code after a binary frame');
    },
  },
  {
    id: 'R-1.5/health-ok',
    rules: ['R-1.5'],
    title: 'GET /health answers 200 with JSON {"status":"ok"} while the server accepts sessions',
    requires: [],
    async run(context) {
      const response = await getHealth(context);
      const text = await response.body.text();
      context.transcript.note(`HTTP ${response.statusCode} ${text.slice(0, 200)}`);
      expectEqual(response.statusCode, 200, 'GET /health status');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        fail('GET /health did not answer JSON', { body: text.slice(0, 200) });
      }
      expectEqual((body as { status?: unknown }).status, 'ok', 'GET /health status field');
    },
  },
];
