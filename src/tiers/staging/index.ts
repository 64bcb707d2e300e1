export * from './staging-tier.js';
