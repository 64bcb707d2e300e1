export { modelChecks } from './model-checks.js';
