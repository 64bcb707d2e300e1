/**
 * `agentwire/playwright`: fixtures for end-to-end tests of a chat UI against an AEP/1 backend.
 * `aepEnvironment` (worker-scoped) resolves the environment through the tiers once per worker
 * and stops it when the worker ends; `aepSession(user)` gives a user's token, the WebSocket URL
 * and the subprotocols a browser offers (`aep.v1`, `bearer.<jwt>`).
 *
 *   import { expect, test } from 'agentwire/playwright';
 *   test('chat', async ({ page, aepSession }) => {
 *     const session = await aepSession('alice');
 *     await page.goto(`/chat.html#${new URLSearchParams({ ws: session.wsUrl, token: session.token })}`);
 *   });
 */
import { test as base } from '@playwright/test';
import {
  type AepEnvironment,
  type AepEnvironmentOptions,
  type AepSession,
  sessionFor,
  startAepEnvironment,
} from './environment.js';

export { expect } from '@playwright/test';
export type { AepEnvironment, AepEnvironmentOptions, AepSession } from './environment.js';
export { AepEnvironmentError } from './environment.js';

export interface AepTestFixtures {
  /** A token and URL for `user` (a fresh user id when omitted). */
  aepSession: (user?: string) => Promise<AepSession>;
}

export interface AepWorkerFixtures {
  /** How the environment is resolved; set it in playwright.config `use` (JSON-safe options only). */
  aepEnvironmentOptions: Omit<AepEnvironmentOptions, 'onDecisionLine' | 'signal' | 'env'>;
  aepEnvironment: AepEnvironment;
}

export const test = base.extend<AepTestFixtures, AepWorkerFixtures>({
  aepEnvironmentOptions: [{}, { scope: 'worker', option: true }],
  aepEnvironment: [
    async ({ aepEnvironmentOptions }, use) => {
      const started = await startAepEnvironment(aepEnvironmentOptions);
      try {
        await use(started.environment);
      } finally {
        await started.release();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  aepSession: async ({ aepEnvironment }, use) => {
    await use((user) => sessionFor(aepEnvironment, user));
  },
});
