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
import { fleetCapacitySuite } from './fleet-capacity.ts';
import { mosquittoBaselineSuite } from './mosquitto-baseline.ts';
import { backlogLiveSuite } from './backlog-live.ts';
import { e2eLatencySuite } from './e2e-latency.ts';
import { silverFreshnessSuite } from './silver-freshness.ts';
import { cloudRolesSuite } from './cloud-roles.ts';
import { pubackWriteSuite } from './puback-write.ts';

/** Suites in report order: edge ingest and footprint, alert latency, uplink, backlog, cloud, scaling, the rest. */
export const suites: BenchSuite[] = [
  edgeIngestSuite,
  mosquittoBaselineSuite,
  alertLatencySuite,
  alertEvalSuite,
  pubackWriteSuite,
  wireSuite,
  backlogDrainSuite,
  backlogLiveSuite,
  journalSuite,
  hubIngestSuite,
  pipelineSuite,
  cloudRolesSuite,
  e2eLatencySuite,
  silverFreshnessSuite,
  scalingSuite,
  fleetCapacitySuite,
  validatorsSuite,
];
