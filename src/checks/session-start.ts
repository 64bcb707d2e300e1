/** Section 3 of AEP/1: the ready frame, its timing and its contents. */
import { describeIssues, READY_DEADLINE_MS, readySchema, SUBPROTOCOL } from '../protocol/index.js';
import type { Check } from './check.js';
import { expectEqual, expectTrue, fail } from './expect.js';

export const sessionStartChecks: Check[] = [
  {
    id: 'R-3.1/ready-is-first-frame',
    rules: ['R-3.1'],
    title: 'The first frame after the upgrade is ready',
    requires: [],
    async run(context) {
      const connection = await context.connect();
      const first = await connection.waitForFrame(() => true, READY_DEADLINE_MS + 500, 'the first frame');
      expectEqual(first.json?.type, 'ready', 'type of the first frame');
    },
  },
  {
    id: 'R-3.1/ready-before-early-answers',
    rules: ['R-3.1', '§4'],
    title: 'ready stays the first frame when the client sends a ping the moment the connection opens',
    requires: [],
    async run(context) {
      const connection = await context.connect();
      // No frame has been read yet: the ping leaves as the upgrade completes, as an eager
      // client's does, and reaches a server that may still be setting the session up.
      connection.send({ type: 'ping', id: 'early-ping' });
      context.transcript.note('ping sent on open, before any frame was read');
      const pong = await connection
        .waitFor(
          (frame) => frame.id === 'early-ping',
          READY_DEADLINE_MS + 5000,
          'the answer to the early ping',
        )
        .catch(() => fail('the ping sent on open was never answered'));
      const first = connection.received[0]!;
      expectTrue(
        first.json?.type === 'ready',
        `the first frame was ${String(first.json?.type ?? first.raw.slice(0, 80))}, not ready: the server answered a frame before sending ready`,
        { first: first.json ?? first.raw.slice(0, 200) },
        { frames: [first.json ?? first.raw] },
      );
      expectEqual(pong.type, 'pong', 'answer to the ping sent on open');
    },
  },
  {
    id: 'R-3.1/ready-within-2s',
    rules: ['R-3.1'],
    title: 'ready arrives within 2 s of the upgrade',
    requires: [],
    async run(context) {
      const connection = await context.connect();
      const first = await connection
        .waitForFrame((frame) => frame.json?.type === 'ready', READY_DEADLINE_MS + 1000, 'ready')
        .catch(() => fail(`no ready within ${READY_DEADLINE_MS + 1000} ms`));
      expectTrue(
        first.at <= READY_DEADLINE_MS,
        `ready arrived after ${first.at} ms (limit ${READY_DEADLINE_MS} ms)`,
      );
    },
  },
  {
    id: 'R-3.1/ready-shape',
    rules: ['R-3.1'],
    title: 'ready carries protocol aep.v1, session_id, user_id, server, capabilities and limits',
    requires: [],
    async run(context) {
      const connection = await context.connect();
      const ready = await connection.ready();
      const result = readySchema.safeParse(ready);
      if (!result.success) fail(`ready is malformed: ${describeIssues(result.error)}`, { ready });
      expectEqual(ready.protocol, SUBPROTOCOL, 'ready.protocol');
    },
  },
  {
    id: 'R-3.1/session-ids-unique',
    rules: ['R-3.1'],
    title: 'Two sessions get different session_ids',
    requires: [],
    async run(context) {
      const [a, b] = await Promise.all([context.session(), context.session()]);
      const [readyA, readyB] = await Promise.all([a.ready(), b.ready()]);
      expectTrue(
        readyA.session_id !== readyB.session_id,
        `both sessions got session_id ${readyA.session_id}`,
      );
    },
  },
  {
    id: 'R-3.2/capabilities-well-formed',
    rules: ['R-3.2'],
    title: 'capabilities is a list of distinct names and limits are positive integers',
    requires: [],
    async run(context) {
      const { capabilities, limits } = context.target.ready;
      expectTrue(
        capabilities.every((name) => typeof name === 'string' && name.length > 0),
        'capabilities holds something other than names',
        { capabilities },
      );
      expectEqual(new Set(capabilities).size, capabilities.length, 'number of distinct capabilities');
      for (const [name, value] of Object.entries(limits)) {
        expectTrue(
          Number.isInteger(value) && (value as number) >= 0,
          `limits.${name} is not a non-negative integer`,
          { limits },
        );
      }
    },
  },
];
