export * from './atomic-write.js';
export * from './json-report.js';
export * from './junit-report.js';
export * from './redact.js';
export { renderRulesTable } from './rules-table.js';
export * from './terminal.js';
export * from './write-reports.js';
