/**
 * Silver freshness late in the day: a fleet whose day is nearly over (Silver and Gold up to date), then live
 * traffic of one small batch per truck per second for the same day, through the running background loop on default
 * settings. Gold recomputes a whole (vehicle, day), so every refresh reads the day so far again. Figures: Bronze
 * commit to visible in Silver (a probe reading per batch, polled on a read connection), and how far the oldest
 * vehicle's Gold sync health lags the newest batch sent. Baseline in the same run, on a copy of the same database:
 * the loop refreshing every dirty partition on every round (goldEveryS 0, no slice limit), as it did before Gold
 * slices.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { batchId, encodeBatch, messageProperties, readBatchHeader } from '../../shared/wire/index.ts';
import { percentile } from './edge-procs.ts';
import { DAY0, EPOCH, fleet, ingest, type Fleet } from './pipeline.ts';

const GROUP = 'Silver freshness late in the day';
const SIGNAL = 'freshness_probe';
/** Live traffic starts this long before midnight: the fleet's day is loaded up to here. */
const LIVE_FROM_S = 86_400 - 900;
const POLL_MS = 20;
const WARM_S = 5;
const REFRESH_ALL = { goldEveryS: 0, goldEventsPerSlice: Number.MAX_SAFE_INTEGER };

interface Shape {
  trucks: number;
  liveS: number;
}

const shape = (quick: boolean): Shape => (quick ? { trucks: 8, liveS: 12 } : { trucks: 64, liveS: 30 });

interface Measured {
  /** Bronze commit to visible in Silver, per probe after the warm-up (ms). */
  latencies: number[];
  /** Newest batch sent minus the oldest vehicle's gold_sync_health.last_event_ms, sampled every second (s). */
  goldLagS: number[];
}

const cache = new Map<number, Fleet>();

/** The fleet's day up to LIVE_FROM_S in Bronze, Silver and Gold, closed in `dir`. */
async function loadDay(dir: string, trucks: number): Promise<void> {
  let f = cache.get(trucks);
  if (!f) cache.set(trucks, (f = fleet(trucks, LIVE_FROM_S, 10, 2000)));
  const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } } });
  try {
    await ingest(p, f);
    await p.processPending();
  } finally {
    await p.close();
  }
}

function liveBatch(truck: number, second: number, value: number): { device: string; body: Uint8Array; enqueuedAt: number } {
  const t = DAY0 + (LIVE_FROM_S + second) * 1000;
  const vehicle = `TRK-${String(truck).padStart(4, '0')}`;
  const device = `gw-${truck}`;
  // Seqs far above the loaded day's, one per second: a live batch after a gap, as after a dead zone.
  const body = encodeBatch({ gatewayId: device, epoch: EPOCH, lane: 'telemetry', createdAt: t + 10 }, [
    { seq: 10_000_000 + second, rt: t, kind: 'reading', body: { v: 2, vehicle, sensor: 'probe', signal: SIGNAL, value, unit: 'C', sensorTime: t, quality: 'good' } },
  ]);
  return { device, body, enqueuedAt: t + 500 };
}

async function live(p: Pipeline, s: Shape): Promise<Measured> {
  const committed = new Map<number, number>();
  const seen = new Map<number, number>();
  const goldLagS: number[] = [];
  let sentMs = 0;
  let sending = true;
  const read = await p.connect();
  try {
    let sent = 0;
    const pollSilver = (async () => {
      let contiguous = 0;
      let stoppedAt = Number.POSITIVE_INFINITY;
      for (;;) {
        if (!sending) {
          stoppedAt = Math.min(stoppedAt, performance.now());
          // Every probe seen, or a minute after the last send (the caller then reports the missing ones).
          if (contiguous >= sent || performance.now() - stoppedAt > 60_000) break;
        }
        const rows = (
          await read.runAndReadAll(
            `SELECT value_num FROM silver_readings WHERE event_ms >= ${DAY0 + LIVE_FROM_S * 1000} AND signal = '${SIGNAL}' AND value_num > ${contiguous}`,
          )
        ).getRows();
        const now = performance.now();
        for (const [v] of rows) if (!seen.has(Number(v))) seen.set(Number(v), now);
        while (seen.has(contiguous + 1)) contiguous++;
        await sleep(POLL_MS);
      }
    })();
    const pollGold = (async () => {
      while (sending) {
        await sleep(1000);
        const [[oldest]] = (await read.runAndReadAll('SELECT min(last_event_ms)::DOUBLE FROM gold_sync_health')).getRows() as [[number]];
        if (sentMs > DAY0 + (LIVE_FROM_S + WARM_S) * 1000) goldLagS.push((sentMs - Number(oldest)) / 1000);
      }
    })();
    const start = performance.now();
    for (let second = 0; second < s.liveS; second++) {
      const sends: Promise<void>[] = [];
      for (let k = 0; k < s.trucks; k++) {
        const id = ++sent;
        const b = liveBatch(k, second, id);
        const h = readBatchHeader(b.body);
        const accepted = p.sink.accept({ deviceId: b.device, body: b.body, system: { messageId: batchId(h) }, properties: messageProperties(h), enqueuedAt: b.enqueuedAt });
        sends.push(accepted.then(() => void (second >= WARM_S && committed.set(id, performance.now()))));
      }
      await Promise.all(sends);
      sentMs = DAY0 + (LIVE_FROM_S + second) * 1000;
      await sleep(Math.max(0, start + (second + 1) * 1000 - performance.now()));
    }
    sending = false;
    await Promise.all([pollSilver, pollGold]);
    const missing = [...committed.keys()].filter((id) => !seen.has(id)).length;
    if (missing > 0) throw new Error(`${missing} committed probes never reached Silver`);
    return { latencies: [...committed].map(([id, at]) => seen.get(id)! - at), goldLagS };
  } finally {
    read.closeSync();
  }
}

async function measure(dir: string, s: Shape, loop: object): Promise<Measured> {
  const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false }, loop } });
  try {
    p.start();
    return await live(p, s);
  } finally {
    await p.close();
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export const silverFreshnessSuite: BenchSuite = {
  name: 'silver-freshness',
  async run({ quick }: BenchOptions): Promise<BenchRow[]> {
    const s = shape(quick);
    const root = await mkdtemp(join(tmpdir(), 'fleetsync-bench-freshness-'));
    try {
      const loaded = join(root, 'loaded');
      await loadDay(loaded, s.trucks);
      await cp(loaded, join(root, 'baseline'), { recursive: true });
      const ours = await measure(loaded, s, {});
      const base = await measure(join(root, 'baseline'), s, REFRESH_ALL);
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      const [o, b] = [sorted(ours.latencies), sorted(base.latencies)];
      const baseline = (value: number) => ({ name: 'refreshing every dirty partition every round', value });
      const note = `${s.trucks} trucks, each with ${LIVE_FROM_S / 10} positions and ${LIVE_FROM_S / 2} readings of the day behind it; live: one batch per truck per second for ${s.liveS} s (the first ${WARM_S} s not counted); default loop settings (Gold slices of 200,000 events, a partition at most every 10 s)`;
      return [
        { group: GROUP, name: 'Bronze commit to visible in Silver, p50', value: percentile(o, 0.5), unit: 'ms', baseline: baseline(percentile(b, 0.5)), higherIsBetter: false, note },
        { group: GROUP, name: 'Bronze commit to visible in Silver, p99', value: percentile(o, 0.99), unit: 'ms', baseline: baseline(percentile(b, 0.99)), higherIsBetter: false, target: '<= 1 s' },
        {
          group: GROUP,
          name: 'Gold lag of the most behind vehicle, mean',
          value: mean(ours.goldLagS),
          unit: 's',
          baseline: baseline(mean(base.goldLagS)),
          higherIsBetter: false,
          note: 'newest batch sent minus the oldest gold_sync_health.last_event_ms, sampled every second: what slices cost Gold',
        },
        { group: GROUP, name: 'Gold lag of the most behind vehicle, max', value: Math.max(...ours.goldLagS), unit: 's', baseline: baseline(Math.max(...base.goldLagS)), higherIsBetter: false },
      ];
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
  check(rows) {
    const p99 = rows.find((r) => r.name === 'Bronze commit to visible in Silver, p99');
    return p99 ? { [p99.name]: p99.value <= 1000 } : {};
  },
};
