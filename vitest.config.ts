import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // *.long.test.ts (the whole demo twice, moto estates) run in `npm run test:long`, which CI runs too.
    exclude: ['**/*.long.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Known and harmless on the Node 20 this runs on (deploys run Node 22): keep test output clean.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
