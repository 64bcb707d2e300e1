export * from './gate.js';
export * from './gate-report.js';
export * from './glob.js';
export * from './junit.js';
export * from './render.js';
