/**
 * Backlog drain: a gateway process starts on a journal holding 1M telemetry events (100k in quick mode) and sends
 * them through the Azure device SDK (MQTT over TLS) to an embedded hub endpoint in this process, whose sink counts
 * what arrives. Figures: events/s from the moment the gateway connects until the hub has every event, and the
 * gateway's peak RSS meanwhile. Baseline in the same run: the same forwarder on a copy of the same journal with a
 * no-op link (read, decode, encode with brotli, ack; no network), so the ratio is what the SDK and the hop cost.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import type { Lane } from '../../shared/contracts/types.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { readBatchHeader } from '../../shared/wire/index.ts';
import { Journal } from '../../edge/journal/index.ts';
import { Forwarder, type Link } from '../../edge/uplink/forwarder.ts';
import type { LinkState } from '../../edge/uplink/hub-connection.ts';
import { startBroker } from './edge-procs.ts';
import { SIGNALS, gatewayBenchSettings, withTempDir } from './edge-ingest.ts';

const GROUP = 'Edge backlog drain';
const JOURNAL_CAP = 4 * 2 ** 30;
const T0 = 1_700_000_000_000;

const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const rowRate = (n: number): string => `drain ${label(n)} stored events to the hub (SDK, TLS, embedded endpoint)`;
const rowRss = (n: number): string => `gateway peak RSS while draining ${label(n)} events`;

/** Fills a journal as a day offline would: readings of a few signals from a few sensors, 10 per ms of receive time. */
export async function fill(dir: string, n: number): Promise<void> {
  const j = await Journal.open({ dir, capBytes: JOURNAL_CAP, maintenanceIntervalMs: 600_000 });
  try {
    for (let i = 0; i < n; i += 20_000) {
      const writes: Promise<number>[] = [];
      for (let k = i; k < Math.min(n, i + 20_000); k++) {
        const s = SIGNALS[k % SIGNALS.length]!;
        const rt = T0 + Math.floor(k / 10);
        writes.push(j.append('telemetry', {
          rt,
          kind: 'reading',
          body: { v: 2, vehicle: 'truck-1', sensor: `ecu-${k % 5}`, signal: s.signal, value: Math.round((s.base + ((k % 97) / 97 - 0.5) * s.spread) * 100) / 100, unit: s.unit, sensorTime: rt - 3, quality: 'good' },
        }));
      }
      await Promise.all(writes);
    }
  } finally {
    await j.close();
  }
}

/** The forwarder with a link that acknowledges at once. */
export async function noopDrain(dir: string, n: number): Promise<number> {
  const journal = await Journal.open({ dir, capBytes: JOURNAL_CAP, maintenanceIntervalMs: 600_000 });
  const link: Link = { state: 'online' as LinkState, send: async () => undefined, drop: () => undefined, on: () => undefined };
  const fwd = new Forwarder(journal, link, 'bench-gw', { batchTargetBytes: 64 * 1024, telemetryMaxAgeMs: 1000, alertsMaxAgeMs: 0, inflight: 4, backlogShare: 0.5, paused: false }, pino({ level: 'silent' }));
  try {
    const t0 = performance.now();
    fwd.start();
    // sent.events counts a batch once its ack is durable in the journal.
    while (fwd.sent.events < n) await new Promise((r) => setTimeout(r, 5));
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await fwd.stop();
    await journal.close();
  }
}

interface RealDrain {
  rate: number;
  peakRssMiB: number;
  /** Private part of the peak; the rest is file-backed (node binary, LevelDB's mmapped tables), reclaimable. */
  peakAnonMiB: number | null;
  openRssMiB: number;
  batches: number;
}

async function hubDrain(dir: string, n: number): Promise<RealDrain> {
  const counts: Record<Lane, number> = { alerts: 0, telemetry: 0, status: 0, rejects: 0 };
  let batches = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const hub = new EmbeddedHub({ dataDir: join(dir, 'hub'), port: 0, bind: '127.0.0.1' }, { logger: pino({ level: 'silent' }) });
  await hub.start({
    accept: async (m) => {
      const h = readBatchHeader(m.body);
      counts[h.lane] += h.count;
      batches++;
      if (counts.telemetry >= n) done();
    },
    close: async () => undefined,
  });
  let connectedAt = 0;
  hub.onConnection((e) => {
    if (e.connected && !connectedAt) connectedAt = performance.now();
  });
  try {
    await hub.registry.add('bench-gw');
    const connectionString = await hub.connectionString('bench-gw', 'primary', `127.0.0.1:${hub.port}`);
    // Started offline (paused), so the RSS after the journal open is measured before anything is sent.
    const gw = await startBroker('gateway', gatewayBenchSettings(dir, { uplink: { connectionString, caFile: hub.caFile, paused: true } }));
    try {
      const openRssMiB = (await gw.child.usage()).rssBytes / 2 ** 20;
      await hub.updateDesired('bench-gw', { uplink: { paused: false } });
      let peak = openRssMiB;
      let peakAnon: number | null = null;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const u = await gw.child.usage();
          if (u.rssBytes / 2 ** 20 > peak) {
            peak = u.rssBytes / 2 ** 20;
            peakAnon = u.rssAnonBytes === null ? null : u.rssAnonBytes / 2 ** 20;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      // Unpausing happens when the twin patch arrives: time from the connection, which comes first.
      await all;
      const seconds = (performance.now() - connectedAt) / 1000;
      sampling = false;
      await sampler;
      return { rate: n / seconds, peakRssMiB: peak, peakAnonMiB: peakAnon, openRssMiB, batches };
    } finally {
      await gw.child.stop();
    }
  } finally {
    await hub.stop();
  }
}

export const backlogDrainSuite: BenchSuite = {
  name: 'backlog-drain',
  check(rows: BenchRow[]): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const r of rows) {
      if (r.name.startsWith('drain ')) out[r.name] = r.value >= 50_000;
      if (r.name.startsWith('gateway peak RSS')) out[r.name] = r.value <= 200;
    }
    return out;
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const n = opts.quick ? 100_000 : 1_000_000;
    return withTempDir('bench-backlog-', async (dir) => {
      const journalDir = join(dir, 'gw', 'journal');
      await fill(journalDir, n);
      await cp(journalDir, join(dir, 'copy'), { recursive: true });
      const baseline = await noopDrain(join(dir, 'copy'), n);
      const real = await hubDrain(dir, n);
      return [
        {
          group: GROUP,
          name: rowRate(n),
          value: real.rate,
          unit: 'events/s',
          baseline: { name: 'same forwarder, no-op link', value: baseline },
          higherIsBetter: true,
          target: '>= 50k events/s',
          note: `${real.batches} batches; hub in the bench process, gateway in its own`,
        },
        {
          group: GROUP,
          name: rowRss(n),
          value: real.peakRssMiB,
          unit: 'MiB',
          baseline: { name: 'same process after the journal open', value: real.openRssMiB },
          higherIsBetter: false,
          target: '<= 200 MB',
          note: real.peakAnonMiB === null ? 'sampled every 250 ms' : `sampled every 250 ms; private (anonymous) part ${real.peakAnonMiB.toFixed(0)} MiB, the rest file-backed`,
        },
      ];
    });
  },
};
