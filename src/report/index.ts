export * from './atomic-write.js';
export * from './html-report.js';
export * from './json-report.js';
export * from './junit-report.js';
export * from './redact.js';
export * from './reporter.js';
export * from './terminal.js';
export * from './write-reports.js';
