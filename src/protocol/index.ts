export * from './constants.js';
export * from './frames.js';
export * from './rules.js';
