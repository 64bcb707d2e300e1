import { AepConnection } from 'agentwire';
import { aepEnvironment, aepSession } from 'agentwire/jest';

test('the environment resolved in globalSetup reaches the tests', () => {
  expect(aepEnvironment().wsUrl).toMatch(/^wss?:\/\//);
});

test('a run ends with exactly one agent_completed, and it is the last event', async () => {
  const session = await aepSession('bob');
  const connection = await AepConnection.open({ url: session.wsUrl, token: session.token });
  try {
    await connection.ready();
    const { ack, events } = await connection.runToCompletion({ text: 'hello' });
    // Give a late or duplicated event the chance to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ofRun = connection.eventsOfRun(ack.run_id);
    expect(ofRun.filter((event) => event.type === 'agent_completed')).toHaveLength(1);
    expect(ofRun.at(-1)?.type).toBe('agent_completed');
    expect(events[0]?.type).toBe('agent_started');
  } finally {
    await connection.close();
  }
});
