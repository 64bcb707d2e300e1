export { agUiChecks as AG_UI_CHECKS } from './ag-ui/index.js';
export * from './check.js';
export { AEP_CHECKS, selectChecks } from './registry.js';
export { renderRulesTable } from './rules-table.js';
export * from './stream-rules.js';
