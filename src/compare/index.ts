export * from './compare-load.js';
export * from './compare-runs.js';
export * from './comparison.js';
export * from './render.js';
