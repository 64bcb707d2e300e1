export * from './config-error.js';
export * from './json-schema.js';
export * from './load-config.js';
export * from './schema.js';
