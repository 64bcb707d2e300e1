/** Environment tiers: where each service comes from, proved healthy, with the reasons why. */
export * from './decision-log.js';
export * from './docker/index.js';
export * from './doctor.js';
export * from './env-variables.js';
export * from './errors.js';
export * from './free-port.js';
export * from './local/index.js';
export * from './probes/index.js';
export * from './profiles.js';
export * from './redact.js';
export * from './resolve-environment.js';
export * from './staging/index.js';
export * from './state-file.js';
export * from './teardown.js';
export * from './types.js';
