import { defineConfig } from 'vitest/config';

/**
 * Used only by `npm run mutation` (stryker.config.json): one test per conformance check, against
 * the embedded reference backend. Not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/mutation/**/*.mutation.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Modules stay loaded between Stryker's runs (it switches mutants at run time): without this,
    // re-importing the backend for every mutant costs more than the checks themselves.
    isolate: false,
  },
});
