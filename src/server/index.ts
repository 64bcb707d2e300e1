export type { JwtAlgorithm } from './auth.js';
export type { LogLevel } from './logger.js';
export { type RunningServer, type ServerOptions, startServer } from './server.js';
