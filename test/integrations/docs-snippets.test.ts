/** docs/api.md's integration snippets are the example files the runner tests execute, verbatim. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from './run-example.js';

test('every snippet headed by an examples/ path equals that file', async () => {
  const doc = await readFile(join(ROOT, 'docs/api.md'), 'utf8');
  const snippets = [...doc.matchAll(/```(?:ts|js)\n\/\/ (examples\/\S+)\n([\s\S]*?)```/g)].map(
    ([, path, body]) => ({ path: path!, body: body! }),
  );
  expect(snippets.map((snippet) => snippet.path)).toEqual(
    expect.arrayContaining([
      'examples/vitest/vitest.config.ts',
      'examples/vitest/agentwire.setup.ts',
      'examples/vitest/test/conformance.test.ts',
      'examples/playwright/playwright.config.ts',
      'examples/jest/jest.config.mjs',
    ]),
  );
  for (const { path, body } of snippets) {
    expect(body.trimEnd(), path).toBe((await readFile(join(ROOT, path), 'utf8')).trimEnd());
  }
});
