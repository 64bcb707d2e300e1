export * from './history.js';
export * from './interval.js';
export * from './monitor.js';
export * from './report-html.js';
export * from './rules.js';
export * from './webhook.js';
