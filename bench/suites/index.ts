import type { BenchSuite } from '../harness.ts';
import { validatorsSuite } from './validators.ts';

/** Suites in report order. Each capability adds its own. */
export const suites: BenchSuite[] = [validatorsSuite];
