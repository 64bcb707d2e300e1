/** Programmatic API: the reference backend, the client, the checks and the runner. */
export * from './checks/index.js';
export * from './client/index.js';
export { type AgentwireConfigInput, defineConfig } from './config/index.js';
export * from './protocol/index.js';
export * from './runner/index.js';
export {
  createEmbeddedCluster,
  type ProductionStorage,
  type RunningServer,
  type ServerOptions,
  startCluster,
  startServer,
} from './server/index.js';
export { TOOL_NAME, TOOL_VERSION } from './version.js';
