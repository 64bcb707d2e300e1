/**
 * The programmatic API (docs/api.md): plan a run, acquire its target, run the suite with
 * reporters; plus the reference backend, the client, the checks, the report model and schema,
 * and the error catalogue.
 */
export * from './checks/index.js';
export * from './client/index.js';
export { type AgentwireConfigInput, defineConfig } from './config/index.js';
export {
  AgentwireError,
  ERROR_CATALOGUE,
  ErrorCode,
  type ExitCodeValue,
} from './errors.js';
export * from './protocol/index.js';
export {
  htmlReporter,
  jsonReporter,
  junitReporter,
  REPORT_FILE_NAMES,
  type Reporter,
  type RunStart,
  renderHtml,
  renderJson,
  renderJunit,
  renderSummary,
  reportFileReporters,
  type TerminalReporterOptions,
  terminalReporter,
} from './report/index.js';
export * from './runner/index.js';
export {
  createEmbeddedCluster,
  FAULT_NAMES,
  FAULTS,
  type FaultName,
  type ProductionStorage,
  type RunningServer,
  type ServerOptions,
  startCluster,
  startDrainablePair,
  startServer,
} from './server/index.js';
export {
  type AcquiredTarget,
  type AcquireObserver,
  type AcquireOptions,
  acquireTarget,
  PROTOCOL_NAMES,
  type ProtocolName,
  planRun,
  ReporterError,
  type RunOptions,
  type RunPlan,
  type RunSuiteOptions,
  runSuite,
  type SuiteObserver,
} from './suite/index.js';
export { TOOL_NAME, TOOL_VERSION } from './version.js';
