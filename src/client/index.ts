export * from './connection.js';
export * from './tokens.js';
export * from './transcript.js';
