import { AepConnection } from 'agentwire';
import { aepSession } from 'agentwire/vitest';
import { afterEach, expect, inject, test } from 'vitest';

const opened: AepConnection[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
});

test('the environment is provided to every test file', () => {
  const environment = inject('agentwire');
  expect(environment.wsUrl).toMatch(/^wss?:\/\//);
  expect(environment.decisions.length).toBeGreaterThan(0);
});

test('a user sends a message and the agent answers it, in order', async () => {
  const session = await aepSession('alice');
  const connection = await AepConnection.open({ url: session.wsUrl, token: session.token });
  opened.push(connection);
  await connection.ready();
  const { events } = await connection.runToCompletion({ text: 'hello' });
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  const answer = events
    .filter((event) => event.type === 'agent_message')
    .map((event) => (event.data as { delta: string }).delta)
    .join('');
  expect(answer).toContain('You said: hello');
  expect(events.at(-1)?.type).toBe('agent_completed');
});
