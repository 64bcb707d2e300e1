export * from './compose-command.js';
export * from './compose-files.js';
export * from './docker-tier.js';
export * from './engine.js';
