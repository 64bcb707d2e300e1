export * from './connection.js';
export * from './token-source.js';
export * from './tokens.js';
export * from './transcript.js';
export * from './transport.js';
