/**
 * Edge ingest: QoS 1 readings into the gateway process (sensor broker, rule evaluation with the default rules, and
 * the LevelDB journal with fsync before every PUBACK), against plain aedes with no persistence driven by the same
 * load: separate MQTT.js publisher processes with a fixed window in flight. Figures: msgs/s, PUBACK latency, and
 * the broker process's own CPU per message (its process.cpuUsage). Then the footprint of a whole gateway (uplink to
 * an embedded hub included) at 50 sensors and 500 msgs/s in total: CPU % of one core and RSS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { readBatchHeader } from '../../shared/wire/index.ts';
import { measureWakePenalty } from './wake-penalty.ts';
import { brokerPriority, deployedNodeOptions, runLoad, startBroker, startLoad, type Child, type LoadSetup, type MergedRun } from './edge-procs.ts';

const GROUP = 'Edge gateway ingest';
const CLIENTS = 8;
const INFLIGHT = 100;
const LOAD_PROCESSES = 2;
const FOOT_SENSORS = 50;
const FOOT_RATE = 500;

export const SIGNALS: LoadSetup['signals'] = [
  { signal: 'coolant_temp', unit: 'C', base: 88, spread: 6 },
  { signal: 'engine_speed', unit: 'rpm', base: 1400, spread: 600 },
  { signal: 'wheel_speed', unit: 'km/h', base: 70, spread: 30 },
  { signal: 'fuel_level', unit: '%', base: 60, spread: 1 },
  { signal: 'battery_voltage', unit: 'V', base: 27.6, spread: 0.4 },
  { signal: 'reefer_return_air', unit: 'C', base: 3, spread: 1 },
  { signal: 'oil_pressure', unit: 'kPa', base: 350, spread: 40 },
  { signal: 'reefer_setpoint', unit: 'C', base: 3, spread: 0 },
];

const ROWS = {
  rate: `durable QoS 1 ingest, ${CLIENTS} clients x ${INFLIGHT} in flight (broker + default rules + journal fsync)`,
  p50: 'PUBACK latency p50 at full load',
  p99: 'PUBACK latency p99 at full load',
  cpu: 'broker process CPU per message',
  footCpu: `gateway CPU at ${FOOT_SENSORS} sensors, ${FOOT_RATE} msgs/s (uplink included)`,
  footRss: `gateway RSS at ${FOOT_SENSORS} sensors, ${FOOT_RATE} msgs/s`,
  wake: 'host wake-up cost: one 100-byte JSON.parse after 10 ms asleep',
};

export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function gatewayBenchSettings(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gatewayId: 'bench-gw',
    vehicle: 'truck-1',
    dataDir: join(dir, 'gw'),
    broker: { host: '127.0.0.1', port: 0, allowAnonymous: true },
    http: { host: '127.0.0.1', port: 0 },
    log: { level: 'error' },
    ...extra,
  };
}

interface Throughput extends MergedRun {
  cpuUsPerMsg: number;
}

async function throughput(broker: { child: Child; mqtt: number }, perClient: number): Promise<Throughput> {
  const load = await startLoad({ port: broker.mqtt, inflight: INFLIGHT, vehicle: 'truck-1', sensorPrefix: 'ecu', signals: SIGNALS }, CLIENTS, LOAD_PROCESSES);
  try {
    await runLoad(load, { perClient: Math.max(100, Math.floor(perClient / 10)) }); // warm-up
    const u0 = await broker.child.usage();
    const r = await runLoad(load, { perClient });
    const u1 = await broker.child.usage();
    return { ...r, cpuUsPerMsg: (u1.cpuUs - u0.cpuUs) / r.acked };
  } finally {
    await Promise.all(load.map((c) => c.stop()));
  }
}

export async function gatewayThroughput(perClient: number): Promise<Throughput> {
  return withTempDir('bench-edge-ingest-', async (dir) => {
    const broker = await startBroker('gateway', gatewayBenchSettings(dir));
    try {
      return await throughput(broker, perClient);
    } finally {
      await broker.child.stop();
    }
  });
}

async function aedesThroughput(perClient: number): Promise<Throughput> {
  const broker = await startBroker('aedes');
  try {
    return await throughput(broker, perClient);
  } finally {
    await broker.child.stop();
  }
}

interface Footprint {
  cpuPct: number;
  rssMiB: number;
  rate: number;
}

/** 50 sensors at 10 msgs/s each; CPU % over the measured window, RSS at its end. */
async function footprint(broker: { child: Child; mqtt: number }, seconds: number): Promise<Footprint> {
  const load = await startLoad({ port: broker.mqtt, inflight: 10, vehicle: 'truck-1', sensorPrefix: 'sensor', signals: SIGNALS }, FOOT_SENSORS, 1);
  try {
    const ratePerClient = FOOT_RATE / FOOT_SENSORS;
    await runLoad(load, { durationMs: 2000, ratePerClient });
    const u0 = await broker.child.usage();
    const t0 = performance.now();
    const r = await runLoad(load, { durationMs: seconds * 1000, ratePerClient });
    const u1 = await broker.child.usage();
    const wallUs = (performance.now() - t0) * 1000;
    return { cpuPct: (100 * (u1.cpuUs - u0.cpuUs)) / wallUs, rssMiB: u1.rssBytes / 2 ** 20, rate: r.rate };
  } finally {
    await Promise.all(load.map((c) => c.stop()));
  }
}

export async function gatewayFootprint(seconds: number): Promise<Footprint & { eventsAtHub: number }> {
  return withTempDir('bench-edge-foot-', async (dir) => {
    let eventsAtHub = 0;
    const hub = new EmbeddedHub({ dataDir: join(dir, 'hub'), port: 0, bind: '127.0.0.1' }, { logger: pino({ level: 'silent' }) });
    await hub.start({ accept: async (m) => void (eventsAtHub += readBatchHeader(m.body).count), close: async () => undefined });
    try {
      await hub.registry.add('bench-gw');
      const connectionString = await hub.connectionString('bench-gw', 'primary', `127.0.0.1:${hub.port}`);
      const broker = await startBroker('gateway', gatewayBenchSettings(dir, { uplink: { connectionString, caFile: hub.caFile } }));
      try {
        const f = await footprint(broker, seconds);
        await sleep(1500); // the last batch leaves after telemetryMaxAgeMs
        return { ...f, eventsAtHub };
      } finally {
        await broker.child.stop();
      }
    } finally {
      await hub.stop();
    }
  });
}

export async function aedesFootprint(seconds: number): Promise<Footprint> {
  const broker = await startBroker('aedes');
  try {
    return await footprint(broker, seconds);
  } finally {
    await broker.child.stop();
  }
}

export const edgeIngestSuite: BenchSuite = {
  name: 'edge-ingest',
  check(rows: BenchRow[]): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    const rate = rows.find((r) => r.name === ROWS.rate);
    if (rate?.baseline) out[ROWS.rate] = rate.value >= 0.45 * rate.baseline.value;
    const cpu = rows.find((r) => r.name === ROWS.footCpu);
    if (cpu) out[ROWS.footCpu] = cpu.value < 5;
    const rss = rows.find((r) => r.name === ROWS.footRss);
    if (rss) out[ROWS.footRss] = rss.value < 150;
    return out;
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const perClient = opts.quick ? 2500 : 12_500;
    const footSeconds = opts.quick ? 8 : 30;
    const raw = await aedesThroughput(perClient);
    const gw = await gatewayThroughput(perClient);
    const rawFoot = await aedesFootprint(footSeconds);
    const gwFoot = await gatewayFootprint(footSeconds);
    const wake = await measureWakePenalty();
    const base = 'plain aedes, no persistence';
    const note = `${LOAD_PROCESSES} publisher processes; ${(gw.acked / 1000).toFixed(0)}k msgs of ~150 B JSON; shared 2-core machine`;
    return [
      { group: GROUP, name: ROWS.rate, value: gw.rate, unit: 'msgs/s', baseline: { name: base, value: raw.rate }, higherIsBetter: true, target: '>= 0.45x raw aedes', note },
      { group: GROUP, name: ROWS.p50, value: gw.p50Ms, unit: 'ms', baseline: { name: base, value: raw.p50Ms }, higherIsBetter: false },
      { group: GROUP, name: ROWS.p99, value: gw.p99Ms, unit: 'ms', baseline: { name: base, value: raw.p99Ms }, higherIsBetter: false },
      { group: GROUP, name: ROWS.cpu, value: gw.cpuUsPerMsg, unit: 'us/msg', baseline: { name: base, value: raw.cpuUsPerMsg }, higherIsBetter: false, note: 'user + system CPU of the broker process' },
      {
        group: GROUP,
        name: ROWS.footCpu,
        value: gwFoot.cpuPct,
        unit: '% of a core',
        baseline: { name: `${base}, same load`, value: rawFoot.cpuPct },
        higherIsBetter: false,
        target: '< 5%',
        note: `${footSeconds} s at ${gwFoot.rate.toFixed(0)} msgs/s achieved; ${gwFoot.eventsAtHub} events reached the hub; gateway and aedes run from a bundle (no tsx loader), the gateway with the systemd unit's V8 flags (${deployedNodeOptions().join(' ')}); ${brokerPriority()}`,
      },
      { group: GROUP, name: ROWS.footRss, value: gwFoot.rssMiB, unit: 'MiB', baseline: { name: `${base}, same load`, value: rawFoot.rssMiB }, higherIsBetter: false, target: '< 150 MB' },
      {
        group: GROUP,
        name: ROWS.wake,
        value: wake.afterIdleUs,
        unit: 'us',
        baseline: { name: 'the same parse back to back', value: wake.hotUs },
        higherIsBetter: false,
        note: 'medians; at 500 msgs/s every message reaches a thread that has just slept, so the footprint pays this ratio on each step of its path (see wake-penalty.ts)',
      },
    ];
  },
};
