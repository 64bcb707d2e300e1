export type { JwtAlgorithm, PublicKeyAlgorithm, PublicKeyVerification } from './auth.js';
export { PUBLIC_KEY_ALGORITHMS } from './auth.js';
export {
  FAULT_NAMES,
  FAULTS,
  FaultError,
  type FaultName,
  FaultSet,
  type FaultSpec,
  faultSetOf,
} from './faults.js';
export type { LogLevel } from './logger.js';
export { DEFAULT_SCHEMA, schemaNameProblem } from './schema-name.js';
export {
  createEmbeddedCluster,
  type DrainablePair,
  type EmbeddedCluster,
  type ProductionStorage,
  type RunningServer,
  type ServerOptions,
  startCluster,
  startDrainablePair,
  startServer,
} from './server.js';
