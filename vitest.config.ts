import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{cli,edge,cloud,shared,firmware-sim,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/chaos/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: integration tests start brokers and processes of their own.
    maxWorkers: 2,
  },
});
