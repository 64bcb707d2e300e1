// The types a caller of the suite meets in its signatures.
export type { Check } from '../checks/index.js';
export type { CheckResult, DisposableTargetFactory, ExecutionProfile } from '../runner/index.js';
export type { ReferenceServerOptions, TierName } from '../tiers/index.js';
export * from './environment.js';
export * from './failure-message.js';
export * from './plan.js';
export * from './protocols.js';
export * from './run-suite.js';
export { checksOf, PROTOCOL_NAMES, type ProtocolName } from './selection.js';
export * from './shared-target.js';
export * from './target.js';
