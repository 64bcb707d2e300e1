export * from './stability.js';
