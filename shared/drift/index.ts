export * from './evidence.js';
export * from './reconcile.js';
export * from './retry.js';
export * from './summary.js';
