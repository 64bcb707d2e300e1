export * from './check.js';
export { AEP_CHECKS, selectChecks } from './registry.js';
export { renderRulesTable } from './rules-table.js';
export * from './stream-rules.js';
