/**
 * End-to-end latency: from a sensor's QoS 1 PUBLISH at a truck's gateway to the reading being visible in Silver,
 * with every part real and on default settings: the cloud service (embedded hub over TLS, Bronze, the Silver/Gold
 * loop, API) in this process, one gateway process per truck uplinking through the Azure device SDK with default
 * batching (telemetryMaxAgeMs 1 s, 64 KB batches), and each truck loaded with 50 background sensors at 500 msgs/s
 * in total. A probe sensor per truck publishes readings with unique values at a steady rate; a reader on the
 * pipeline's read connection polls Silver for them. Baseline in the same run: the same probes' hub-ack latency
 * (PUBLISH to the hub's Bronze commit, after which the hub sends PUBACK), so the difference is the Silver step.
 * Every timestamp is taken on this process's clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import type { HubTelemetry } from '../../cloud/hub/ingest-sink.ts';
import { startCloudService, type CloudService } from '../../cloud/service.ts';
import { CloudSettings } from '../../cloud/settings.ts';
import { validateSettings } from '../../shared/settings/load-settings.ts';
import { decodeBatch, readBatchHeader } from '../../shared/wire/index.ts';
import { percentile, runLoad, startBroker, startLoad, type Child } from './edge-procs.ts';
import { SIGNALS, gatewayBenchSettings } from './edge-ingest.ts';

const GROUP = 'End-to-end latency (sensor to Silver)';
const SIGNAL = 'e2e_probe';
const BG_SENSORS = 50;
const BG_RATE = 500;
const POLL_MS = 20;

interface Shape {
  trucks: number;
  probesPerSecond: number;
  warmS: number;
  measureS: number;
}

const shape = (quick: boolean): Shape => (quick ? { trucks: 2, probesPerSecond: 4, warmS: 4, measureS: 20 } : { trucks: 4, probesPerSecond: 5, warmS: 6, measureS: 45 });

interface Probe {
  publishedAt: number;
  sensorTime: number;
  measured: boolean;
  hubAt?: number;
  silverAt?: number;
}

const key = (vehicle: string, n: number): string => `${vehicle}#${n}`;

interface Truck {
  vehicle: string;
  gateway: { child: Child; mqtt: number };
  load: Child[];
  probe: MqttClient;
}

/** Records the hub-ack time of probe readings: the sink's accept resolves when Bronze committed, then the hub PUBACKs. */
function tapHubAcks(service: CloudService, probes: Map<string, Probe>): void {
  const sink = service.pipeline.sink;
  const accept = sink.accept.bind(sink);
  sink.accept = async (msg: HubTelemetry): Promise<void> => {
    await accept(msg);
    const at = performance.now();
    if (readBatchHeader(msg.body).lane !== 'telemetry') return;
    for (const e of decodeBatch(msg.body).events) {
      if (e.kind !== 'reading') continue;
      const b = e.body as { vehicle: string; signal: string; value: unknown };
      if (b.signal !== SIGNAL) continue;
      const p = probes.get(key(b.vehicle, Number(b.value)));
      if (p && p.hubAt === undefined) p.hubAt = at;
    }
  };
}

async function pollSilver(service: CloudService, probes: Map<string, Probe>, until: () => boolean): Promise<void> {
  const conn = await service.pipeline.connect();
  try {
    while (!until()) {
      let watermark = Number.POSITIVE_INFINITY;
      for (const p of probes.values()) if (p.silverAt === undefined) watermark = Math.min(watermark, p.sensorTime);
      if (Number.isFinite(watermark)) {
        const rows = (
          await conn.runAndReadAll(`SELECT vehicle, value_num FROM silver_readings WHERE signal = '${SIGNAL}' AND event_ms >= ?`, [watermark])
        ).getRows();
        const at = performance.now();
        for (const [vehicle, value] of rows) {
          const p = probes.get(key(String(vehicle), Number(value)));
          if (p && p.silverAt === undefined) p.silverAt = at;
        }
      }
      await sleep(POLL_MS);
    }
  } finally {
    conn.closeSync();
  }
}

async function startTruck(service: CloudService, dir: string, k: number, loadSeconds: number): Promise<Truck & { background: Promise<unknown> }> {
  const hub = service.embedded!;
  const gatewayId = `gw-${k}`;
  const vehicle = `truck-${k}`;
  await hub.registry.add(gatewayId);
  const connectionString = await hub.connectionString(gatewayId, 'primary', `127.0.0.1:${hub.port}`);
  const gateway = await startBroker('gateway', {
    ...gatewayBenchSettings(join(dir, gatewayId)),
    gatewayId,
    vehicle,
    uplink: { connectionString, caFile: hub.caFile },
  });
  const load = await startLoad({ port: gateway.mqtt, inflight: 10, vehicle, sensorPrefix: 'sensor', signals: SIGNALS }, BG_SENSORS, 1);
  const background = runLoad(load, { durationMs: loadSeconds * 1000, ratePerClient: BG_RATE / BG_SENSORS });
  const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.mqtt}`, { clientId: `probe-${vehicle}`, reconnectPeriod: 0 });
  return { vehicle, gateway, load, probe, background };
}

async function untilOnline(service: CloudService, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ids.every((id) => service.embedded!.connectedDevices().includes(id))) {
    if (Date.now() > deadline) throw new Error(`gateways not connected to the hub within ${timeoutMs} ms`);
    await sleep(100);
  }
}

interface Result {
  silverMs: number[];
  hubMs: number[];
  sent: number;
  lost: number;
  bgRate: number;
}

async function measure(s: Shape): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-bench-e2e-'));
  const settings = validateSettings(
    CloudSettings,
    { dataDir: join(dir, 'cloud'), hub: { port: 0, bind: '127.0.0.1' }, api: { port: 0 }, log: { level: 'silent' } },
    'bench cloud settings',
  );
  const service = await startCloudService(settings, pino({ level: 'silent' }));
  const probes = new Map<string, Probe>();
  const trucks: Truck[] = [];
  let stop = false;
  let poller: Promise<void> = Promise.resolve();
  try {
    tapHubAcks(service, probes);
    const loadSeconds = s.warmS + s.measureS + 4;
    const started = [];
    for (let k = 0; k < s.trucks; k++) started.push(await startTruck(service, dir, k, loadSeconds));
    trucks.push(...started);
    await untilOnline(service, trucks.map((_, k) => `gw-${k}`), 30_000);
    poller = pollSilver(service, probes, () => stop);

    // Each truck's probe publishes on its own steady schedule, phases spread so the fleet's probes are even.
    const gapMs = 1000 / s.probesPerSecond;
    const t0 = performance.now();
    const measureFrom = t0 + s.warmS * 1000;
    const end = measureFrom + s.measureS * 1000;
    let sent = 0;
    await Promise.all(
      trucks.map(async (t, k) => {
        let n = 0;
        let due = t0 + (gapMs * k) / trucks.length;
        while (due < end) {
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          due += gapMs;
          const sensorTime = Date.now();
          const p: Probe = { publishedAt: performance.now(), sensorTime, measured: performance.now() >= measureFrom };
          probes.set(key(t.vehicle, ++n), p);
          if (p.measured) sent++;
          t.probe.publish(`fleet/${t.vehicle}/probe/reading`, JSON.stringify({ v: 2, signal: SIGNAL, value: n, unit: 'count', sensorTime, quality: 'good' }), { qos: 1 });
        }
      }),
    );
    // Stragglers: give the last probes time to reach Silver (several uplink and pipeline cycles).
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && [...probes.values()].some((p) => p.measured && p.silverAt === undefined)) await sleep(50);
    stop = true;
    await poller;
    const bg = (await Promise.all(started.map((t) => t.background))) as Array<{ rate: number }>;
    const measured = [...probes.values()].filter((p) => p.measured);
    const silverMs = measured.flatMap((p) => (p.silverAt === undefined ? [] : [p.silverAt - p.publishedAt])).sort((a, b) => a - b);
    const hubMs = measured.flatMap((p) => (p.hubAt === undefined ? [] : [p.hubAt - p.publishedAt])).sort((a, b) => a - b);
    return { silverMs, hubMs, sent, lost: sent - silverMs.length, bgRate: bg.reduce((x, r) => x + r.rate, 0) };
  } finally {
    stop = true;
    await poller.catch(() => undefined);
    for (const t of trucks) {
      await t.probe.endAsync().catch(() => undefined);
      await Promise.all(t.load.map((c) => c.stop()));
      await t.gateway.child.stop();
    }
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const ROW_P50 = 'sensor PUBLISH to visible in Silver, p50';
const ROW_P99 = 'sensor PUBLISH to visible in Silver, p99';

export const e2eLatencySuite: BenchSuite = {
  name: 'e2e-latency',
  check(rows: BenchRow[]): Record<string, boolean> {
    const r = rows.find((x) => x.name === ROW_P99);
    return r ? { [ROW_P99]: r.value <= 2000 } : {};
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const s = shape(opts.quick);
    const r = await measure(s);
    const base = (value: number) => ({ name: 'hub ack (PUBLISH to Bronze commit)', value });
    const note =
      `${s.trucks} online trucks (gateway processes, default uplink batching) each with ${BG_SENSORS} sensors at ${BG_RATE} msgs/s ` +
      `(achieved ${r.bgRate.toFixed(0)} msgs/s in total); ${r.sent} probes over ${s.measureS} s after ${s.warmS} s warm-up` +
      `${r.lost ? `, ${r.lost} not in Silver after 10 s` : ''}; Silver polled every ${POLL_MS} ms on the pipeline's read connection; default pipeline settings`;
    return [
      { group: GROUP, name: ROW_P50, value: percentile(r.silverMs, 0.5), unit: 'ms', baseline: base(percentile(r.hubMs, 0.5)), higherIsBetter: false, note },
      { group: GROUP, name: ROW_P99, value: percentile(r.silverMs, 0.99), unit: 'ms', baseline: base(percentile(r.hubMs, 0.99)), higherIsBetter: false, target: '<= 2 s' },
      {
        group: GROUP, name: 'probes not in Silver after 10 s', value: r.lost, unit: 'probes', higherIsBetter: false,
        note: 'every probe is a QoS 1 reading; a loss here would be a durability bug, not latency',
      },
    ];
  },
};
