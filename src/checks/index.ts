export { agUiChecks as AG_UI_CHECKS } from './ag-ui/index.js';
export { renderCatalogueSource } from './catalogue-source.js';
export * from './check.js';
export type { CheckInfo } from './check-info.js';
export { AEP_CHECKS, selectChecks } from './registry.js';
export { renderRulesTable } from './rules-table.js';
export * from './stream-rules.js';
