/**
 * Backlog drain while live data keeps flowing: a gateway process comes back online with 1M stored telemetry events
 * (100k in quick mode) while its 50 sensors go on publishing 500 msgs/s, and uplinks both through the Azure device
 * SDK (MQTT over TLS) to an embedded hub endpoint in this process. Figures: backlog events/s from the connection
 * until the hub holds every stored event, and how stale live readings arrive at the hub meanwhile (gateway receive
 * time to hub accept). Baselines in the same run: the same drain of a copy of the same journal with no live data,
 * and the live lag once the backlog is gone.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { decodeBatch, readBatchHeader } from '../../shared/wire/index.ts';
import { percentile, runLoad, startBroker, startLoad, type Child } from './edge-procs.ts';
import { SIGNALS, gatewayBenchSettings, withTempDir } from './edge-ingest.ts';
import { fill } from './backlog-drain.ts';

const GROUP = 'Edge backlog drain';
const LIVE_SENSORS = 50;
const LIVE_RATE = 500;
const AFTER_S = 5;

const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

interface Drain {
  rate: number;
  /** Live lag (gateway receive to hub accept) in ms while the backlog drained, and after it. */
  during: number[];
  after: number[];
  liveRate: number;
}

/**
 * Runs one gateway on `dir` (its journal already filled with `n` events) against a counting hub; with `live`, the
 * sensors publish throughout and for AFTER_S seconds once the backlog is at the hub.
 */
async function drain(dir: string, n: number, live: boolean): Promise<Drain> {
  let backlogAtHub = 0;
  let drainedAt = 0;
  const during: number[] = [];
  const after: number[] = [];
  const hub = new EmbeddedHub({ dataDir: join(dir, 'hub'), port: 0, bind: '127.0.0.1' }, { logger: pino({ level: 'silent' }) });
  await hub.start({
    accept: async (m) => {
      const h = readBatchHeader(m.body);
      if (h.lane !== 'telemetry') return;
      const now = Date.now();
      // Batches are contiguous journal ranges: seqs up to n were stored before the gateway came back.
      if (h.firstSeq <= n) backlogAtHub += Math.min(h.lastSeq, n) - h.firstSeq + 1;
      if (h.lastSeq > n) {
        const into = drainedAt ? after : during;
        for (const e of decodeBatch(m.body).events) if (e.seq > n) into.push(now - e.rt);
      }
      if (!drainedAt && backlogAtHub >= n) drainedAt = performance.now();
    },
    close: async () => undefined,
  });
  let connectedAt = 0;
  hub.onConnection((e) => {
    if (e.connected && !connectedAt) connectedAt = performance.now();
  });
  let load: Child[] = [];
  try {
    await hub.registry.add('bench-gw');
    const connectionString = await hub.connectionString('bench-gw', 'primary', `127.0.0.1:${hub.port}`);
    const gw = await startBroker('gateway', gatewayBenchSettings(dir, { uplink: { connectionString, caFile: hub.caFile, paused: true } }));
    try {
      if (live) load = await startLoad({ port: gw.mqtt, inflight: 10, vehicle: 'truck-1', sensorPrefix: 'sensor', signals: SIGNALS }, LIVE_SENSORS, 1);
      await hub.updateDesired('bench-gw', { uplink: { paused: false } });
      let liveAcked = 0;
      let liveSeconds = 0;
      const deadline = performance.now() + 600_000;
      // Live load in short rounds, so it stops soon after the backlog is gone.
      let afterUntil = 0;
      for (;;) {
        if (drainedAt && !afterUntil) afterUntil = performance.now() + (live ? AFTER_S * 1000 : 0);
        if (afterUntil && performance.now() >= afterUntil) break;
        if (performance.now() > deadline) throw new Error(`backlog not drained in 600 s (${backlogAtHub} of ${n})`);
        if (live) {
          const r = await runLoad(load, { durationMs: 1000, ratePerClient: LIVE_RATE / LIVE_SENSORS });
          liveAcked += r.acked;
          liveSeconds += r.seconds;
        } else await sleep(5);
      }
      if (live) await sleep(1500); // the last live batch leaves after telemetryMaxAgeMs
      // Unpausing happens when the twin patch arrives: time from the connection, which comes first.
      return { rate: n / ((drainedAt - connectedAt) / 1000), during: during.sort((a, b) => a - b), after: after.sort((a, b) => a - b), liveRate: liveSeconds ? liveAcked / liveSeconds : 0 };
    } finally {
      await Promise.all(load.map((c) => c.stop()));
      await gw.child.stop();
    }
  } finally {
    await hub.stop();
  }
}

export const backlogLiveSuite: BenchSuite = {
  name: 'backlog-live',
  check(rows: BenchRow[]): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const r of rows) if (r.name.startsWith('drain ') && r.name.includes('while live')) out[r.name] = r.value >= 50_000;
    return out;
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const n = opts.quick ? 100_000 : 1_000_000;
    return withTempDir('bench-backlog-live-', async (dir) => {
      const liveDir = join(dir, 'live');
      const quietDir = join(dir, 'quiet');
      await fill(join(liveDir, 'gw', 'journal'), n);
      await cp(join(liveDir, 'gw', 'journal'), join(quietDir, 'gw', 'journal'), { recursive: true });
      const quiet = await drain(quietDir, n, false);
      const live = await drain(liveDir, n, true);
      const afterBase = (value: number) => ({ name: `live lag after the drain (${AFTER_S} s, same run)`, value });
      return [
        {
          group: GROUP,
          name: `drain ${label(n)} stored events while live data flows (${LIVE_RATE} msgs/s)`,
          value: live.rate,
          unit: 'events/s',
          baseline: { name: 'same drain, no live data', value: quiet.rate },
          higherIsBetter: true,
          target: '>= 50k events/s',
          note: `${LIVE_SENSORS} sensors publishing QoS 1 throughout (achieved ${live.liveRate.toFixed(0)} msgs/s); backlogShare default 0.5; gateway process, hub in the bench process`,
        },
        {
          group: GROUP,
          name: 'live reading lag at the hub while draining, p50',
          value: percentile(live.during, 0.5),
          unit: 'ms',
          baseline: afterBase(percentile(live.after, 0.5)),
          higherIsBetter: false,
          note: `gateway receive time to hub accept, ${live.during.length} live readings during the drain; default telemetryMaxAgeMs 1 s sets the floor`,
        },
        {
          group: GROUP,
          name: 'live reading lag at the hub while draining, p99',
          value: percentile(live.during, 0.99),
          unit: 'ms',
          baseline: afterBase(percentile(live.after, 0.99)),
          higherIsBetter: false,
        },
      ];
    });
  },
};
