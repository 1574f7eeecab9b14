import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // *.long.test.ts (the whole demo, drift sequences and crashes through child processes, the
    // package build, moto estates) run in `npm run test:long`, which CI runs too.
    exclude: ['**/*.long.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine. Most
    // files spend their time waiting on child processes and local servers, so two files at a time
    // keep both cores busy (each file still runs in a fork of its own).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Known and harmless on the Node 20 this runs on (deploys run Node 22): keep test output clean.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
