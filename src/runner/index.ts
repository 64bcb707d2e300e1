export * from './check-context.js';
export * from './evidence.js';
export * from './preflight.js';
export * from './profile.js';
export * from './results.js';
export * from './run-checks.js';
export * from './token-factory.js';
export * from './verdict.js';
