export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.mjs'],
  transform: {},
  // Resolves the backend once for the whole run; the teardown stops it (so do Ctrl+C and SIGTERM).
  globalSetup: '<rootDir>/agentwire.setup.mjs',
  globalTeardown: '<rootDir>/agentwire.teardown.mjs',
};
