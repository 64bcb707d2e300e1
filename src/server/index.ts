export type { JwtAlgorithm } from './auth.js';
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
export { type RunningServer, type ServerOptions, startServer } from './server.js';
