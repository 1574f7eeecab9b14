export * from './coverage.js';
export * from './finding.js';
export * from './inventory/index.js';
export * from './run.js';
export * from './scope.js';
export * from './severity.js';
