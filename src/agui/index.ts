export * from './client.js';
export * from './rules.js';
export * from './sse.js';
export * from './stream-rules.js';
