/**
 * The fleet simulator's public API: build trucks from a spec and a seed, step them (pure), or connect their sensors
 * to brokers and run them on a simulated clock, recording the ground truth.
 */
export { generateFleet, truckId, DEFAULT_VARIETY, CLEAN_VARIETY, type FleetOptions, type FleetSpec, type FleetVariety } from './fleet.ts';
export { DEFAULT_START_MS, TICK_MS } from './sim-time.ts';
export { createTruck, type Truck, type TickOutput, type TruckTruth, type SensorCredentials, type HookNotice } from './truck.ts';
export { SimClock, targetSimTime, type SimClockOptions } from './clock.ts';
export { runTruckSensors, type TruckHooks, type TruckRun, type RunTruckOptions } from './run-truck.ts';
export { createFleetRun, BrokerUnreachableError, type FleetRun, type FleetRunOptions, type FleetStats } from './fleet-run.ts';
export {
  GroundTruthRecorder,
  readGroundTruth,
  GroundTruthError,
  GROUND_TRUTH_FORMAT,
  GROUND_TRUTH_VERSION,
  type GroundTruth,
  type TruckGroundTruth,
  type SensorTruth,
  type SentRecord,
} from './ground-truth.ts';
export { loadScenario, loadScenarioFile, parseScenario, listScenarios, expandIncludes, ScenarioError, SCENARIO_DIR } from './scenario-load.ts';
export { ScenarioSchema, durationMs, type Scenario, type ScenarioEvent } from './scenario-schema.ts';
export { applyScenarios, type ScenarioAssignment } from './scenario-apply.ts';
export { PROVOKED_RULES, DEPOT_GEOFENCE, type ProvokedAlert } from './provoked.ts';
export { SIGNALS, quantise, type SignalName } from './signals.ts';
export { PLACES, ROADS, REGION, planRoute } from './road-map.ts';
export type { Publication } from './sensor-runtime.ts';
export type { TruckSpec, SensorSpec, SensorFault, SensorRole, TruckEvent } from './sensor-spec.ts';
export { decodePublication, readingsOf, runFor } from './test-kit.ts';
export { summariseGroundTruth } from './summary.ts';
