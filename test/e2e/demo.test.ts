/**
 * The whole system end to end: `startDemo` runs the cloud service (embedded hub, pipeline, API), one real gateway
 * process per truck behind its own link proxy, and five simulated trucks for one simulated hour, with a dead zone,
 * a gateway power cut (kill -9 and restart) and alert scenarios. The cloud is then checked against the simulator's
 * ground truth: acknowledged readings in Silver exactly once by natural identity, provoked alerts in Gold through
 * the API, and the dead-zone truck's backlog growing during the cut and draining after it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../firmware-sim/demo.ts';
import { parseScenario } from '../../firmware-sim/scenario-load.ts';
import type { GroundTruth } from '../../firmware-sim/ground-truth.ts';
import { apiClient, type AlertRow, type ApiClient, type VehicleRow } from './support/api-client.ts';
import { gatewayBacklog } from './support/gateway-metrics.ts';
import { compareKeys, sentKeys, silverKeyCounts, type KeyComparison } from './support/natural-keys.ts';
import { sampleVehicle, type RunSampler } from './support/run-sampler.ts';
import { morningStart } from './support/sim-start.ts';
import { waitFor, within } from './support/wait-for.ts';

const TRUCKS = 5;
const SIM_MINUTES = 60;
// Fast enough for a simulated hour in about 30 s of real time; the clock may lag on a busy machine, never skips.
const SPEEDUP = 120;
// Seed 2 puts two trucks on old (v1) firmware and gives one a misbehaving door sensor.
const SEED = 2;
const MIN = 60_000;

// Scenario times fit the hour: the cut ends with half an hour left to drain, the power cut is early.
const DEAD_ZONE = { at: 10 * MIN, until: 30 * MIN };
const SCENARIOS = [
  parseScenario({ name: 'e2e-dead-zone', trucks: 1, events: [{ type: 'dead-zone', at: '10m', duration: '20m' }] }),
  parseScenario({ name: 'e2e-power-cut', trucks: 1, events: [{ type: 'power-cut', at: '15m', duration: '2m' }] }),
  'overheat',
  'harsh-braking',
];

let dir = '';
let demo: Demo | null = null;
let api: ApiClient;
let sampler: RunSampler | null = null;
let truth: GroundTruth;
let keys: KeyComparison;
let deadZoneTruck = '';
let powerCutTruck = '';
let journalAfterDrain = -1;
let simulatedAt = 0;
let apiBacklogAfterDrain: VehicleRow['backlog'] = null;
const goldAlerts = new Map<string, AlertRow[]>();
const lines: string[] = [];
/** Real time of each step, for the kept report (FLEETSYNC_E2E_KEEP). */
const phases: Record<string, number> = {};
const mark = (step: string): void => void (phases[step] = Date.now());

const vehicleOf = (d: Demo, scenario: string): string => {
  const v = d.spec.scenarios.find((s) => s.scenario === scenario)?.vehicles[0];
  if (!v) throw new Error(`scenario ${scenario} landed on no truck`);
  return v;
};

beforeAll(async () => {
  mark('begin');
  dir = await mkdtemp(join(tmpdir(), 'fleetsync-e2e-'));
  demo = await startDemo({
    trucks: TRUCKS,
    speedup: SPEEDUP,
    dataDir: join(dir, 'demo'),
    apiPort: 0,
    durationSimMin: SIM_MINUTES,
    seed: SEED,
    startMs: morningStart(),
    scenarios: SCENARIOS,
    keepLog: true,
    log: pino({ level: 'silent' }),
    say: (line) => lines.push(line),
  });
  const d = demo;
  api = apiClient(d.apiUrl, d.operatorToken);
  deadZoneTruck = vehicleOf(d, 'e2e-dead-zone');
  powerCutTruck = vehicleOf(d, 'e2e-power-cut');
  sampler = sampleVehicle(d, api, deadZoneTruck);
  mark('started');

  await within('the simulated hour', 120_000, d.fleet.finished());
  mark('simulated');
  simulatedAt = Date.now();
  truth = await within('the sensors to stop', 30_000, d.fleet.stop(15_000));
  await within('the gateways to flush and the pipeline to catch up', 60_000, d.drain(40));
  mark('drained');

  const gw = d.gateways.gateways.get(deadZoneTruck)!;
  journalAfterDrain = await waitFor('the dead-zone gateway to have sent everything', async () => ((await gatewayBacklog(gw.statusUrl)) === 0 ? 0 : undefined), {
    timeoutMs: 30_000,
  });
  const all = [...d.gateways.gateways.values()];
  let left: number[] = [];
  await waitFor(
    'every gateway to have sent everything',
    async () => (left = await Promise.all(all.map((g) => gatewayBacklog(g.statusUrl)))).every((n) => n === 0),
    { timeoutMs: 30_000, lastSeen: () => all.map((g, i) => `${g.vehicle} ${left[i] ?? '?'}`).join(', ') },
  );
  // The gateway reports to its twin at most every 10 s, and only once a change is significant.
  apiBacklogAfterDrain = await waitFor(
    'the API to show the dead-zone truck drained',
    async () => {
      const row = (await api.get<{ vehicles: VehicleRow[] }>('/api/v1/vehicles')).vehicles.find((v) => v.id === deadZoneTruck);
      return row?.backlog && row.backlog.backlogEvents !== null && row.backlog.backlogEvents <= 10 ? row.backlog : undefined;
    },
    { timeoutMs: 40_000, everyMs: 1000 },
  );
  await sampler.stop();
  mark('api-drained');

  await d.cloud.pipeline.processPending();
  const conn = await d.cloud.pipeline.connect();
  try {
    keys = compareKeys(sentKeys(d.fleet.recorder.log()), await silverKeyCounts(conn, Object.keys(truth.trucks)));
  } finally {
    conn.closeSync();
  }
  for (const v of Object.keys(truth.trucks)) goldAlerts.set(v, (await api.get<{ alerts: AlertRow[] }>(`/api/v1/alerts?vehicle=${v}&limit=1000`)).alerts);
  mark('compared');
}, 200_000);

afterAll(async () => {
  await sampler?.stop();
  await demo?.stop().catch(() => undefined);
  // FLEETSYNC_E2E_KEEP=1 keeps the data (DuckDB, journals, logs) for a look after a failure.
  if (dir && process.env.FLEETSYNC_E2E_KEEP) {
    await writeFile(join(dir, 'samples.json'), JSON.stringify({ phases, simulatedAt, lines, journal: sampler?.journal, api: sampler?.api, pipeline: sampler?.pipeline, startMs: truth?.startMs }, null, 1));
    process.stderr.write(`e2e data kept in ${dir}\n`);
  }
  else if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('demo end to end: 5 trucks, one simulated hour, dead zone, power cut, alerts', () => {
  it('ran the scenarios for real: the uplink was cut and restored, the gateway was killed and started again', () => {
    expect(lines).toContain(`${deadZoneTruck}: uplink cut (dead zone)`);
    expect(lines).toContain(`${deadZoneTruck}: uplink back`);
    expect(lines).toContain(`${powerCutTruck}: power cut: gateway killed`);
    expect(lines).toContain(`${powerCutTruck}: power back: gateway restarted`);
    expect(demo!.gateways.gateways.get(powerCutTruck)!.process.starts).toBe(2);
    expect(lines.filter((l) => l.includes('unexpectedly') || l.includes('hook failed'))).toEqual([]);
    expect(truth.endMs - truth.startMs).toBeGreaterThanOrEqual(SIM_MINUTES * MIN - 1000);
  });

  it('every acknowledged reading and position is in Silver', () => {
    expect(keys.ackedItems).toBeGreaterThan(50_000);
    // The simulator never sends one natural key twice on its own: a second copy can only come from a re-send.
    expect(keys.repeatedBySensor).toBe(0);
    expect(keys.missing.slice(0, 20)).toEqual([]);
    expect(keys.missing.length).toBe(0);
  });

  it('Silver holds nothing the sensors did not send', () => {
    expect(keys.unknown.slice(0, 20)).toEqual([]);
  });

  // A sensor whose publish was stored but not yet acknowledged when the gateway lost power sends it again after the
  // restart; the gateway journals it under a new sequence number, and Silver drops it by its natural key.
  it('no acknowledged reading is in Silver twice, also when a sensor re-sent it after a gateway power cut', () => {
    expect(keys.duplicated.slice(0, 20), `${keys.duplicated.length} of ${keys.ackedItems} acknowledged items are in Silver more than once`).toEqual([]);
  });

  it('the alerts the trucks provoked are in Gold, by rule and vehicle', () => {
    // Model times are approximate: leave out alerts in the last minutes, which the gateway may raise after the end.
    const due = Object.values(truth.trucks).flatMap((t) => t.alerts.filter((a) => a.at <= truth.endMs - 5 * MIN).map((a) => `${t.vehicle} ${a.ruleId}`));
    const scenarioAlerts = Object.values(truth.trucks).flatMap((t) => t.alerts.filter((a) => a.cause.startsWith('scenario:')));
    expect(scenarioAlerts.map((a) => a.ruleId)).toEqual(expect.arrayContaining(['coolant_overheat', 'harsh_braking']));
    const inGold = new Set([...goldAlerts.values()].flatMap((rows) => rows.map((a) => `${a.vehicle} ${a.ruleId}`)));
    expect([...new Set(due)].filter((k) => !inGold.has(k))).toEqual([]);
  });

  // The background loop bounds each Silver round, so Gold (and with it the API's alerts and sync health) is refreshed
  // while Bronze batches keep arriving, not only once the trucks stop sending.
  it('refreshes Gold while Bronze batches keep arriving: alerts stored in Silver reach Gold within 15 s while the trucks drive', () => {
    const p = sampler!.pipeline.filter((x) => x.real < simulatedAt);
    const firstInSilver = p.find((x) => x.silverAlerts > 0);
    expect(firstInSilver).toBeDefined();
    expect(firstInSilver!.real + 15_000).toBeLessThan(simulatedAt);
    const firstInGold = p.find((x) => x.goldAlerts > 0);
    expect(firstInGold?.real ?? Infinity).toBeLessThanOrEqual(firstInSilver!.real + 15_000);
  });

  it('the dead-zone truck builds a backlog during the cut and drains it after', () => {
    const s = sampler!;
    const start = truth.startMs;
    const before = s.journal.filter((x) => x.journal !== null && x.sim < start + DEAD_ZONE.at).map((x) => x.journal!);
    const during = s.journal.filter((x) => x.journal !== null && x.sim >= start + DEAD_ZONE.at + MIN && x.sim < start + DEAD_ZONE.until);
    const after = s.journal.filter((x) => x.journal !== null && x.sim >= start + DEAD_ZONE.until && x.sim < truth.endMs);
    expect(before.length).toBeGreaterThan(0);
    expect(during.length).toBeGreaterThan(3);
    expect(after.length).toBeGreaterThan(3);
    const peak = Math.max(...during.map((x) => x.journal!));
    // Twenty minutes of a truck's readings pile up: far more than the live batching window ever holds.
    expect(peak).toBeGreaterThan(5000);
    expect(peak).toBeGreaterThan(3 * Math.max(...before));
    // It drains while the truck keeps driving, and is empty once the run is over.
    expect(Math.min(...after.map((x) => x.journal!))).toBeLessThan(peak / 2);
    expect(journalAfterDrain).toBe(0);
  });

  it('the API shows the dead-zone truck offline during the cut, online again after, and its backlog back to ~0', () => {
    const s = sampler!;
    const start = truth.startMs;
    const during = s.api.filter((x) => x.sim >= start + DEAD_ZONE.at + MIN && x.sim < start + DEAD_ZONE.until);
    const after = s.api.filter((x) => x.sim >= start + DEAD_ZONE.until + 5 * MIN);
    expect(during.map((x) => x.status)).toContain('offline');
    expect(after.map((x) => x.status)).toContain('online');
    expect(apiBacklogAfterDrain?.backlogEvents).toBeLessThanOrEqual(10);
  });
});
