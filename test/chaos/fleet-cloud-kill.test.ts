/**
 * The cloud service (`fleetsync cloud --config <file>`, embedded hub + pipeline + API in one process) killed with
 * SIGKILL at seeded random moments while simulated trucks send through real gateway processes, and started again on
 * the same data folder and the same fixed ports after a short random pause. For the gateways every kill is also a hub
 * restart in the middle of their sends. At the end the gateways empty their journals, the cloud stops cleanly, and
 * Silver, Gold and Bronze are checked against the simulator's ground truth one by one.
 * FLEETSYNC_FLEET_CLOUD_KILLS (default 10), FLEETSYNC_FLEET_CLOUD_SEED (default 11), FLEETSYNC_FLEET_CLOUD_RUN_S (default 90).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { DeviceRegistry, connectionString } from '../../cloud/hub/registry.ts';
import { hubPaths } from '../../cloud/hub/paths.ts';
import { generateFleet } from '../../firmware-sim/fleet.ts';
import { createFleetRun, type FleetRun } from '../../firmware-sim/fleet-run.ts';
import { startFleetGateways, type FleetGateways, type FleetHub } from '../../firmware-sim/fleet-gateways.ts';
import { createTruck } from '../../firmware-sim/truck.ts';
import { parseScenario } from '../../firmware-sim/scenario-load.ts';
import type { GroundTruth } from '../../firmware-sim/ground-truth.ts';
import { gatewayBacklog, metricSum } from '../e2e/support/gateway-metrics.ts';
import { compareKeys, positionKey, readingKey, sentKeys, type KeyComparison } from '../e2e/support/natural-keys.ts';
import { morningStart } from '../e2e/support/sim-start.ts';
import { waitFor, within } from '../e2e/support/wait-for.ts';
import { mulberry32 } from '../support/mulberry32.ts';
import { killAllCloud, queryPipelineFile, recordResult, spawnCloud, type CloudProcess } from '../reliability/support.ts';

const KILLS = Number(process.env.FLEETSYNC_FLEET_CLOUD_KILLS ?? 10);
const SEED = Number(process.env.FLEETSYNC_FLEET_CLOUD_SEED ?? 11);
/** Real seconds the trucks drive at least (the overheat runs 40-60 s in), longer when the kills take longer. */
const RUN_S = Number(process.env.FLEETSYNC_FLEET_CLOUD_RUN_S ?? 90);
const TRUCKS = 3;
const SPEEDUP = 30;
const MIN = 60_000;

const SCENARIOS = [
  parseScenario({ name: 'cloud-kill-overheat', trucks: ['TRK-0001'], events: [{ type: 'overheat', at: '20m', duration: '10m' }] }),
  parseScenario({ name: 'cloud-kill-braking', trucks: ['TRK-0002'], events: [{ type: 'harsh-braking', at: '5m', repeat: { count: 3, every: '15m' } }] }),
];

/** Free loopback ports from the OS, held open together so they differ, then released for the cloud to take. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => res(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

let dir = '';
let cloudDir = '';
let configFile = '';
let hubPort = 0;
let apiPort = 0;
let cloud: CloudProcess | null = null;
let gateways: FleetGateways | null = null;
let fleet: FleetRun | null = null;
let truth: GroundTruth;
let keys: KeyComparison;
const lines: string[] = [];
const kills: { at: number; upS: number; downS: number; batchesBefore: number }[] = [];
let restarts = 0;
let realS = 0;
let apiChecks = 0;
let bestEffort = { sent: 0, inSilver: 0 };
let cleanExit: number | null = null;
let goldAlerts = new Set<string>();
let openGapEvents = new Map<string, number>();
let bronze = { batches: 0, sameMessageTwice: 0, seqsMissing: 0, seqsTwice: 0, redeliveries: 0 };
let uplink = { batchesSent: 0, sendFailures: 0 };

async function startCloud(): Promise<CloudProcess> {
  // Flags spawnCloud always passes come first; the config file and the fixed API port after them take over.
  return spawnCloud(cloudDir, hubPort, ['--config', configFile, '--api-port', String(apiPort), '--host', 'localhost']);
}

/** Batches the hub has acknowledged, summed over the gateways (their processes run throughout). */
async function batchesSent(): Promise<number> {
  let n = 0;
  for (const g of gateways!.gateways.values()) {
    const text = await (await fetch(`${g.statusUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    n += metricSum(text, 'fleetsync_gateway_batches_sent_total');
  }
  return n;
}

async function gatewayFigures(): Promise<{ batchesSent: number; sendFailures: number }> {
  let sendFailures = 0;
  for (const g of gateways!.gateways.values()) {
    const text = await (await fetch(`${g.statusUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    sendFailures += metricSum(text, 'fleetsync_gateway_send_failures_total');
  }
  return { batchesSent: await batchesSent(), sendFailures };
}

async function killLoop(): Promise<void> {
  const random = mulberry32(SEED);
  const t0 = Date.now();
  for (let k = 0; k < KILLS; k++) {
    // Every kill lands in the middle of ingest: the gateways have had batches acknowledged by this very process.
    const before = await batchesSent();
    await waitFor(`batches acknowledged after restart ${k}`, async () => (await batchesSent()) > before + TRUCKS, { timeoutMs: 90_000, everyMs: 200 });
    const upS = 1 + random() * 6;
    const downS = 0.3 + random() * 2.7;
    await sleep(upS * 1000);
    kills.push({ at: Math.round((Date.now() - t0) / 100) / 10, upS: Math.round(upS * 10) / 10, downS: Math.round(downS * 10) / 10, batchesBefore: await batchesSent() });
    await cloud!.kill9();
    await sleep(downS * 1000);
    cloud = await startCloud();
    restarts++;
    await sameEndpoints(`restart ${k + 1}`);
  }
}

/** The restarted service listens on the ports the gateways and operators know, and its pipeline runs. */
async function sameEndpoints(when: string): Promise<void> {
  if (cloud!.port !== hubPort) throw new Error(`${when}: hub endpoint on port ${cloud!.port}, not ${hubPort}`);
  const health = (await (await fetch(`http://127.0.0.1:${apiPort}/healthz`, { signal: AbortSignal.timeout(5000) })).json()) as { ok: boolean; pipelineError: string | null };
  if (!health.ok || health.pipelineError) throw new Error(`${when}: API health ${JSON.stringify(health)}`);
  apiChecks++;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetsync-fleet-cloud-kill-'));
  cloudDir = join(dir, 'cloud');
  configFile = join(dir, 'cloud.json');
  [hubPort, apiPort] = (await freePorts(2)) as [number, number];
  await writeFile(
    configFile,
    JSON.stringify({
      mode: 'embedded',
      dataDir: cloudDir,
      hub: { port: hubPort, hosts: ['localhost', '127.0.0.1'], bind: '127.0.0.1' },
      api: { host: '127.0.0.1', port: apiPort },
      // As the demo runs it: simulated trucks start in the past.
      pipeline: { silver: { maxFutureS: 30 * 86_400 }, export: { everyS: 60 } },
      log: { level: 'warn' },
    }),
  );
  cloud = await startCloud();
  await sameEndpoints('first start');

  const registry = new DeviceRegistry(hubPaths(cloudDir).registry, 'unused');
  const hub: FleetHub = {
    port: hubPort,
    caFile: cloud.caFile,
    registry,
    connectionString: async (id, key = 'primary', host = `localhost:${hubPort}`) => {
      const d = await registry.get(id);
      if (!d) throw new Error(`unknown device ${id}`);
      return connectionString(await registry.hubName(), id, key === 'primary' ? d.primaryKey : d.secondaryKey, host);
    },
  };
  const spec = generateFleet({ trucks: TRUCKS, seed: SEED, scenarioMix: SCENARIOS, startMs: morningStart(), variety: { faultyShare: 0, dtcMeanHoursBetween: 0 } });
  gateways = await startFleetGateways({
    trucks: spec.trucks.map((t) => createTruck(t, spec.seed, spec.startMs)),
    dataDir: join(dir, 'trucks'),
    hub,
    overrides: {
      // Notice a dead hub within seconds and come back quickly, as the demo does at its speedup.
      uplink: { sendTimeoutMs: 5000, twinTimeoutMs: 5000, keepaliveS: 5, retryMinMs: 200, retryMaxMs: 2000 },
    },
    onEvent: (vehicle, what) => lines.push(`${vehicle}: ${what}`),
  });
  const g = gateways;
  fleet = createFleetRun({
    fleet: spec,
    brokerUrl: (t) => g.brokerUrl(t),
    speedup: SPEEDUP,
    keepLog: true,
    notAfterNow: true,
    hooks: g.hooks,
    onHookError: (err, n) => lines.push(`${n.type} hook failed: ${(err as Error).message}`),
  });
  await fleet.ready(30_000);
  fleet.start();
  const started = Date.now();

  await within('the kills and restarts', (KILLS * 100 + 60) * 1000, killLoop());
  // Some more driving on the last restarted service before the sensors stop.
  await sleep(Math.max(5000, started + RUN_S * 1000 - Date.now()));
  realS = Math.round((Date.now() - started) / 1000);
  truth = await within('the sensors to stop', 60_000, fleet.stop(15_000));
  const all = [...g.gateways.values()];
  let left: number[] = [];
  await waitFor('every gateway to have sent everything', async () => (left = await Promise.all(all.map((x) => gatewayBacklog(x.statusUrl)))).every((n) => n === 0), {
    timeoutMs: 120_000,
    everyMs: 500,
    lastSeen: () => all.map((x, i) => `${x.vehicle} ${left[i] ?? '?'}`).join(', '),
  });
  uplink = await gatewayFigures();
  await g.stop();
  gateways = null;
  cleanExit = await cloud.term();
  cloud = null;

  // Silver and Gold catch up on the same folder (the service may have stopped before processing everything).
  const pipeline = await Pipeline.open({ dataDir: cloudDir, settings: { export: { enabled: false }, silver: { maxFutureS: 30 * 86_400 } } });
  await pipeline.processPending();
  await pipeline.close();

  const vehicles = Object.keys(truth.trucks);
  await queryPipelineFile(cloudDir, async (q) => {
    const silver = new Map<string, number>();
    for (const [v, s, sig, t, n] of await q(`SELECT vehicle, sensor, signal, event_ms::DOUBLE, count(*)::DOUBLE FROM silver_readings GROUP BY ALL`))
      silver.set(readingKey(String(v), String(s), String(sig), Number(t)), Number(n));
    for (const [v, s, t, n] of await q(`SELECT vehicle, sensor, event_ms::DOUBLE, count(*)::DOUBLE FROM silver_positions GROUP BY ALL`))
      silver.set(positionKey(String(v), String(s), Number(t)), Number(n));
    const sent = sentKeys(fleet!.recorder.log());
    keys = compareKeys(sent, silver);
    // QoS 0 items carry no promise, but with gateways running throughout they reach the cloud too: a figure, not a check.
    bestEffort = { sent: sent.bestEffort.size, inSilver: [...sent.bestEffort].filter((k) => !sent.acked.has(k) && silver.has(k)).length };
    goldAlerts = new Set((await q('SELECT DISTINCT vehicle, rule_id FROM gold_alerts')).map(([v, r]) => `${String(v)} ${String(r)}`));
    openGapEvents = new Map((await q('SELECT vehicle, open_gap_events::DOUBLE FROM gold_sync_health')).map(([v, n]) => [String(v), Number(n)]));
    // Every gateway emptied its journal, so every batch it sent was acknowledged: per lane its seqs must tile
    // Bronze without a gap, and no message may be stored twice. A seq in two batches with different ids is a
    // redelivery the gateway re-cut after a lost acknowledgement (Silver takes it once), counted, not failed.
    const batches = await q(`SELECT device_id, epoch, lane::VARCHAR, message_id, first_seq::DOUBLE, last_seq::DOUBLE FROM bronze_batches WHERE first_seq IS NOT NULL`);
    const [[twice]] = (await q(`SELECT count(*)::DOUBLE FROM (SELECT device_id, message_id FROM bronze_batches GROUP BY ALL HAVING count(*) > 1)`)) as [[number]];
    const [[redeliveries]] = (await q(`SELECT coalesce(sum(batches), 0)::DOUBLE FROM bronze_duplicates`)) as [[number]];
    const seen = new Map<string, Map<number, number>>();
    for (const [d, e, lane, , first, last] of batches) {
      const k = `${String(d)}/${String(e)}/${String(lane)}`;
      const m = seen.get(k) ?? new Map<number, number>();
      seen.set(k, m);
      for (let s = Number(first); s <= Number(last); s++) m.set(s, (m.get(s) ?? 0) + 1);
    }
    let seqsMissing = 0;
    let seqsTwice = 0;
    for (const m of seen.values()) {
      // A loop, not Math.max(...keys): spreading a lane's 100k+ seqs as arguments overflows the stack.
      let max = -Infinity;
      let min = Infinity;
      for (const s of m.keys()) {
        if (s > max) max = s;
        if (s < min) min = s;
      }
      for (let s = Math.min(min, 1); s <= max; s++) {
        const n = m.get(s) ?? 0;
        if (n === 0) seqsMissing++;
        if (n > 1) seqsTwice++;
      }
    }
    bronze = { batches: batches.length, sameMessageTwice: Number(twice), seqsMissing, seqsTwice, redeliveries: Number(redeliveries) };
  });

  recordResult('fleet-cloud-kill', {
    seed: SEED,
    trucks: vehicles.length,
    speedup: SPEEDUP,
    drivenS: realS,
    kills: kills.length,
    restarts,
    killsAt: kills.map((k) => k.at),
    readingsSent: truth.telemetry.readings + truth.telemetry.positions,
    itemsAcked: keys.ackedItems,
    inSilver: keys.ackedItems - keys.missing.length,
    missing: keys.missing.length,
    duplicated: keys.duplicated.length,
    unknown: keys.unknown.length,
    qos0ItemsSent: bestEffort.sent,
    qos0ItemsInSilver: bestEffort.inSilver,
    gatewayBatchesAcked: uplink.batchesSent,
    gatewaySendFailures: uplink.sendFailures,
    bronze,
    openGapEvents: Object.fromEntries(openGapEvents),
    cleanExit,
  });
}, (KILLS * 100 + RUN_S + 600) * 1000);

afterAll(async () => {
  await fleet?.stop(0).catch(() => undefined);
  await gateways?.stop().catch(() => undefined);
  await cloud?.kill9().catch(() => undefined);
  await killAllCloud();
  if (dir && process.env.FLEETSYNC_E2E_KEEP) process.stderr.write(`fleet-cloud-kill data kept in ${dir}\n`);
  else if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe(`chaos: the cloud service killed with SIGKILL ${KILLS} times while a simulated fleet sends (seed ${SEED})`, () => {
  it('killed and restarted the cloud every time on the same folder and ports; it stopped cleanly at the end', () => {
    expect(kills).toHaveLength(KILLS);
    expect(restarts).toBe(KILLS);
    expect(apiChecks).toBe(KILLS + 1);
    expect(cleanExit).toBe(0);
    expect(lines.filter((l) => l.includes('unexpectedly') || l.includes('hook failed'))).toEqual([]);
  });

  it('every acknowledged reading and position is in Silver exactly once, nothing unknown', () => {
    expect(keys.ackedItems).toBeGreaterThan(5_000);
    expect(keys.repeatedBySensor).toBe(0);
    expect(keys.missing.slice(0, 20)).toEqual([]);
    expect(keys.duplicated.slice(0, 20)).toEqual([]);
    expect(keys.unknown.slice(0, 20)).toEqual([]);
  });

  it('Bronze holds every acknowledged batch once: no seq missing, no message stored twice', () => {
    expect(bronze.batches).toBeGreaterThan(0);
    expect(bronze.seqsMissing).toBe(0);
    expect(bronze.sameMessageTwice).toBe(0);
  });

  it('no telemetry seq is missing in the cloud', () => {
    for (const v of Object.keys(truth.trucks)) expect(openGapEvents.get(v), v).toBe(0);
  });

  it('the alerts the trucks provoked are in Gold', () => {
    expect(goldAlerts).toContain('TRK-0001 coolant_overheat');
    expect(goldAlerts).toContain('TRK-0002 harsh_braking');
    const due = Object.values(truth.trucks).flatMap((t) => t.alerts.filter((a) => a.at <= truth.endMs - 5 * MIN).map((a) => `${t.vehicle} ${a.ruleId}`));
    expect([...new Set(due)].filter((k) => !goldAlerts.has(k))).toEqual([]);
  });
});
