import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as agentwire, expect } from 'agentwire/playwright';

// The chat page, served by the test on a free port. The backend's Origin allowlist names it,
// as a deployment would list its web app's origin.
const test = agentwire.extend<object, { chatOrigin: string }>({
  chatOrigin: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const page = await readFile(new URL('../chat.html', import.meta.url));
      const server = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await new Promise((resolve) => server.close(resolve));
    },
    { scope: 'worker' },
  ],
  aepEnvironmentOptions: [
    async ({ chatOrigin }, use) => {
      // AGENTWIRE_EXAMPLE_FAULTS injects deliberate bugs into the reference backend: agentwire's
      // own tests use it to prove that a broken backend fails this suite.
      const faults = process.env.AGENTWIRE_EXAMPLE_FAULTS?.split(',').filter(Boolean) ?? [];
      await use({ referenceServer: { allowedOrigins: [chatOrigin], faults } });
    },
    { scope: 'worker' },
  ],
});

test('alice asks and sees the whole answer, with no event missed', async ({
  page,
  chatOrigin,
  aepSession,
}) => {
  const session = await aepSession('alice');
  await page.goto(
    `${chatOrigin}/chat.html#${new URLSearchParams({ ws: session.wsUrl, token: session.token })}`,
  );
  await expect(page.locator('#status')).toHaveText('connected as alice');

  await page.getByLabel('Message').fill('hello from the browser');
  await page.getByRole('button', { name: 'Send' }).click();

  await expect(page.locator('.message.agent')).toHaveText('You said: hello from the browser');
  await expect(page.locator('.message.agent')).toHaveAttribute('data-status', 'ok');
  // Every event of the run has been handled by now: the page saw no gap, no error.
  expect(await page.locator('#problem').textContent()).toBe('');
});

test('the same conversation continues in its thread', async ({ page, chatOrigin, aepSession }) => {
  const session = await aepSession();
  await page.goto(
    `${chatOrigin}/chat.html#${new URLSearchParams({ ws: session.wsUrl, token: session.token })}`,
  );
  await expect(page.locator('#status')).toHaveText(`connected as ${session.userId}`);
  for (const text of ['first', 'second']) {
    await page.getByLabel('Message').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.locator('.message.agent').last()).toHaveAttribute('data-status', 'ok');
  }
  await expect(page.locator('.message.agent')).toHaveText(['You said: first', 'You said: second']);
  expect(await page.locator('#problem').textContent()).toBe('');
});
