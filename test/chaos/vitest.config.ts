/**
 * The long reliability suite: `npm run test:chaos` (vitest run --config test/chaos/vitest.config.ts).
 * Repeated kills, long link faults, hub restarts, slow peers, and the fuzzers at one million inputs each. Bounded in
 * time (each file has its own timeout; the whole run takes well under 30 minutes on 2 cores) and cleans up after
 * itself. Every test writes its figures to test/artifacts/; the summary at the end collects them.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    // The gateway's own kill and outage tests, at long-run strength: 20 kills, a five-minute hub outage.
    include: ['test/chaos/**/*.test.ts', 'test/fuzz/**/*.test.ts', 'test/gateway/kill-recovery.test.ts', 'test/gateway/hub-outage.test.ts'],
    exclude: ['**/node_modules/**'],
    env: {
      FLEETSYNC_FUZZ_ITERATIONS: process.env.FLEETSYNC_FUZZ_ITERATIONS ?? '1000000',
      FLEETSYNC_KILLS: process.env.FLEETSYNC_KILLS ?? '20',
      FLEETSYNC_OUTAGE_S: process.env.FLEETSYNC_OUTAGE_S ?? '300',
      // The simulated fleet's gateways: 20 kills in the long run, as the reliability issue asks.
      FLEETSYNC_FLEET_KILLS: process.env.FLEETSYNC_FLEET_KILLS ?? '20',
      FLEETSYNC_CHAOS: '1',
    },
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: the fault tests start processes of their own; two files at a time keeps them from starving.
    maxWorkers: 2,
    globalSetup: ['test/chaos/summary.ts'],
  },
});
