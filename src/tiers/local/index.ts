export * from './embedded-postgres.js';
export * from './local-tier.js';
export * from './managed-process.js';
export * from './redis-server.js';
