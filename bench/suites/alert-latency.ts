/**
 * Alert latency: from a sensor's PUBLISH to the alert arriving on the in-cab alert topic, with 100 active rules in
 * the gateway and a background load of 1k and 20k readings/s from publisher processes. A probe sensor and a display
 * client in this process alternate the probe signal across its threshold, so every probe publish raises or clears
 * an alert; the time to the alert message is measured on one clock. Baseline in the same run: PUBLISH-to-delivery of
 * plain aedes relaying the probe topic to a subscriber under the same background load.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { brokerPriority, gcBetween, percentile, runLoad, startBroker, startLoad, type Child, type MergedRun } from './edge-procs.ts';
import { SIGNALS, gatewayBenchSettings, withTempDir } from './edge-ingest.ts';

const GROUP = 'Edge alert latency';
const RULES = 100;
const LOAD_CLIENTS = 20;
const PROBE_TIMEOUT_MS = 5000;

const rowName = (rate: number, q: 'p50' | 'p99'): string => `PUBLISH to cab alert ${q}, ${RULES} rules, ${rate / 1000}k msgs/s background`;

/** The probe rule plus 99 rules over the background signals that never fire (thresholds far outside their values). */
export function hundredRules(): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [
    { id: 'probe_high', type: 'threshold', signal: 'alarm_probe', direction: 'above', threshold: 50, cooldownS: 0, rateLimit: { maxRaises: 1_000_000, windowS: 3600 } },
  ];
  for (let k = 0; rules.length < RULES; k++) {
    const s = SIGNALS[k % SIGNALS.length]!;
    if (k % 3 === 2) rules.push({ id: `rate_${k}`, type: 'rate', signal: s.signal, direction: 'drop', delta: 1e6, windowS: 60 });
    else rules.push({ id: `thr_${k}`, type: 'threshold', signal: s.signal, direction: k % 2 ? 'above' : 'below', threshold: k % 2 ? s.base + 1e6 : s.base - 1e6, forS: k % 5 });
  }
  return { version: 1, description: 'bench: 100 rules', rules };
}

async function connect(port: number, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, reconnectPeriod: 0 });
}

/** Publishes `count` probes one after another; each waits for its message on `listenTopic` (or times out). */
async function probes(port: number, publishTopic: string, listenFilter: string, count: number): Promise<{ latMs: number[]; timeouts: number }> {
  const sensor = await connect(port, `probe-sensor-${process.pid}`);
  const display = await connect(port, `probe-display-${process.pid}`);
  let arrived: (() => void) | null = null;
  display.on('message', () => arrived?.());
  await display.subscribeAsync(listenFilter, { qos: 1 });
  const latMs: number[] = [];
  let timeouts = 0;
  try {
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({ v: 2, signal: 'alarm_probe', value: i % 2 === 0 ? 90 : 10, unit: 'u', sensorTime: Date.now(), quality: 'good' });
      const got = new Promise<boolean>((res) => {
        const t = setTimeout(() => res(false), PROBE_TIMEOUT_MS);
        arrived = () => (clearTimeout(t), res(true));
      });
      const t0 = performance.now();
      sensor.publish(publishTopic, body, { qos: 1 });
      if (await got) latMs.push(performance.now() - t0);
      else timeouts++;
      arrived = null;
      await sleep(3 + Math.random() * 4);
    }
  } finally {
    await Promise.all([sensor.endAsync(), display.endAsync()]).catch(() => undefined);
  }
  return { latMs: latMs.sort((a, b) => a - b), timeouts };
}

interface Measured {
  p50: number;
  p99: number;
  timeouts: number;
  background: MergedRun;
  /** The broker's GC pauses while the probes ran. */
  gc: string;
}

async function measure(broker: { child: Child; mqtt: number }, kind: 'gateway' | 'aedes', rate: number, count: number): Promise<Measured> {
  const load = await startLoad({ port: broker.mqtt, inflight: 100, vehicle: 'truck-1', sensorPrefix: 'bg', signals: SIGNALS, client: 'raw' }, LOAD_CLIENTS, 2);
  try {
    const seconds = Math.max(4, count / 100 + 3);
    const background = runLoad(load, { durationMs: seconds * 1000, ratePerClient: rate / LOAD_CLIENTS });
    await sleep(1000);
    const u0 = await broker.child.usage();
    const topic = 'fleet/truck-1/probe/reading';
    const filter = kind === 'gateway' ? 'fleet/truck-1/alerts/#' : topic;
    const p = await probes(broker.mqtt, topic, filter, count);
    const gc = gcBetween(u0, await broker.child.usage());
    const bg = await background;
    return { p50: percentile(p.latMs, 0.5), p99: percentile(p.latMs, 0.99), timeouts: p.timeouts, background: bg, gc };
  } finally {
    await Promise.all(load.map((c) => c.stop()));
  }
}

export async function gatewayRun(rate: number, count: number): Promise<Measured> {
  return withTempDir('bench-alert-latency-', async (dir) => {
    const rulesFile = join(dir, 'rules.json');
    await writeFile(rulesFile, JSON.stringify(hundredRules()));
    const broker = await startBroker('gateway', gatewayBenchSettings(dir, { alerts: { rulesFile } }));
    try {
      return await measure(broker, 'gateway', rate, count);
    } finally {
      await broker.child.stop();
    }
  });
}

export async function aedesRun(rate: number, count: number): Promise<Measured> {
  const broker = await startBroker('aedes');
  try {
    return await measure(broker, 'aedes', rate, count);
  } finally {
    await broker.child.stop();
  }
}

export const alertLatencySuite: BenchSuite = {
  name: 'alert-latency',
  check(rows: BenchRow[]): Record<string, boolean> {
    const r = rows.find((x) => x.name === rowName(20_000, 'p99'));
    return r ? { [r.name]: r.value <= 5 } : {};
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const count = opts.quick ? 300 : 2000;
    const rows: BenchRow[] = [];
    for (const rate of [1000, 20_000]) {
      const base = await aedesRun(rate, count);
      const gw = await gatewayRun(rate, count);
      const note = `background achieved ${gw.background.rate.toFixed(0)} msgs/s (aedes run: ${base.background.rate.toFixed(0)}), its PUBACK p99 ${gw.background.p99Ms.toFixed(1)} ms; ${count} probes${gw.timeouts ? `, ${gw.timeouts} timed out` : ''}; ${brokerPriority()}`;
      const baseline = (v: number) => ({ name: 'plain aedes relay, same load', value: v });
      rows.push(
        { group: GROUP, name: rowName(rate, 'p50'), value: gw.p50, unit: 'ms', baseline: baseline(base.p50), higherIsBetter: false, note },
        {
          group: GROUP, name: rowName(rate, 'p99'), value: gw.p99, unit: 'ms', baseline: baseline(base.p99), higherIsBetter: false, ...(rate === 20_000 ? { target: '<= 5 ms' } : {}),
          note: `while the probes ran: gateway ${gw.gc}; plain aedes ${base.gc}`,
        },
      );
    }
    return rows;
  },
};
