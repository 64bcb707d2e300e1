import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Resolves the backend once for the whole run and stops it at the end (also on Ctrl+C).
    globalSetup: ['./agentwire.setup.ts'],
  },
});
