import { defineConfig } from 'vitest/config';

/** The slow end-to-end suites (`npm run test:long`): the demo run twice with a SIGINT, audits of estates built in moto. */
export default defineConfig({
  test: {
    include: ['test/**/*.long.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
