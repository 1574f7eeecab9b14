import { defineConfig } from 'vitest/config';

/**
 * The slow end-to-end suites (`npm run test:long`, files `*.long.test.ts`): the demo run twice with
 * a SIGINT and the README's demo, audits of estates built in moto, the CLI drift sequence, the
 * drift crash through child processes, every table-store crash point, the built-package load, the
 * no-credential CLI error.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.long.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
