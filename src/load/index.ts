export * from './load-html.js';
export * from './load-merge.js';
export * from './load-report.js';
export * from './load-run.js';
export * from './metrics.js';
export * from './thresholds.js';
