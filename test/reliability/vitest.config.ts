import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The long reliability suites (`npm run test:reliability`): child processes killed at each crash
 * point, the fault matrix over a generated estate. Named *.long.ts so `npm test` leaves them out.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/reliability/**/*.long.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
