import type { BenchSuite } from '../harness.ts';

/** Suites in report order. Each capability adds its own. */
export const suites: BenchSuite[] = [];
