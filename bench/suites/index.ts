import type { BenchSuite } from '../harness.ts';
import { wireSuite } from './wire.ts';
import { validatorsSuite } from './validators.ts';
import { journalSuite } from './journal.ts';
import { alertEvalSuite } from './alert-eval.ts';
import { hubIngestSuite } from './hub-ingest.ts';
import { pipelineSuite } from './pipeline.ts';
import { scalingSuite } from './scaling.ts';
import { edgeIngestSuite } from './edge-ingest.ts';
import { alertLatencySuite } from './alert-latency.ts';
import { backlogDrainSuite } from './backlog-drain.ts';

/** Suites in report order. Each capability adds its own. */
export const suites: BenchSuite[] = [
  edgeIngestSuite,
  alertLatencySuite,
  alertEvalSuite,
  wireSuite,
  backlogDrainSuite,
  journalSuite,
  hubIngestSuite,
  pipelineSuite,
  scalingSuite,
  validatorsSuite,
];
