export * from './create-probe.js';
export * from './http-probe.js';
export * from './postgres-probe.js';
export * from './probe.js';
export * from './redis-probe.js';
export * from './tcp-probe.js';
export * from './ws-probe.js';
