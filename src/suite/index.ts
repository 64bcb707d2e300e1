export * from './environment.js';
export * from './plan.js';
export * from './protocols.js';
export * from './run-suite.js';
export * from './target.js';
