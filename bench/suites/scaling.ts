/**
 * Scaling: the cloud pipeline's three stages at 1x, 4x and 16x the work (trucks, each one whole day), on fresh
 * DuckDB files: Bronze ingest (hub sink accepts, committed), Bronze -> Silver, and the Gold refresh of every dirty
 * (vehicle, day). The baseline of each point is linear growth from the 1x point of the same run, so the ratio says
 * how far the stage is from linear (below 1: cheaper per unit at scale; above 1: dearer). The log-log slope over
 * the three points is the exponent of the growth (1 = linear). The runner draws docs/bench-scaling-*.svg.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { fleet, ingest } from './pipeline.ts';
import { logLogSlope } from '../plot.ts';

const GROUP = 'Scaling (cloud pipeline)';
const FACTORS = [1, 4, 16] as const;
const STAGES = [
  { key: 'ingest', title: 'Bronze ingest (hub sink, committed)' },
  { key: 'silver', title: 'Bronze -> Silver' },
  { key: 'gold', title: 'Gold refresh (all dirty vehicle-days)' },
] as const;
type Stage = (typeof STAGES)[number]['key'];

interface Shape {
  /** Trucks at 1x. */
  trucks: number;
  /** One position and five readings every stepS seconds, a whole day. */
  stepS: number;
  perBatch: number;
}

const shape = (quick: boolean): Shape => (quick ? { trucks: 1, stepS: 10, perBatch: 2000 } : { trucks: 4, stepS: 10, perBatch: 2000 });

type Fleet = ReturnType<typeof fleet>;
// Generating and compressing the largest fleet is slow and the same every run: kept for the process.
const cache = new Map<string, Fleet>();

/** The first `trucks` trucks of the 16x fleet (fleet() is deterministic per truck, so every scale is a prefix). */
function subFleet(s: Shape, trucks: number): Fleet {
  const key = JSON.stringify(s);
  let all = cache.get(key);
  if (!all) {
    all = fleet(s.trucks * FACTORS.at(-1)!, 86_400, s.stepS, s.perBatch);
    cache.set(key, all);
  }
  const keep = new Set(Array.from({ length: trucks }, (_, k) => `gw-${k}`));
  const batches = all.batches.filter(([device]) => keep.has(device));
  const perTruck = all.events / (s.trucks * FACTORS.at(-1)!);
  return { batches, events: perTruck * trucks };
}

async function measure(f: Fleet, trucks: number): Promise<Record<Stage, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-bench-scaling-'));
  try {
    const p = await openPipeline({ dataDir: dir, settings: { export: { enabled: false } } });
    try {
      const t0 = performance.now();
      await ingest(p, f);
      const t1 = performance.now();
      const s = await p.processSilver();
      const t2 = performance.now();
      const g = await p.refreshGold();
      const t3 = performance.now();
      if (s.events !== f.events) throw new Error(`Silver processed ${s.events} of ${f.events} events`);
      if (g.partitions < trucks) throw new Error(`Gold refreshed ${g.partitions} partitions for ${trucks} trucks`);
      return { ingest: (t1 - t0) / 1000, silver: (t2 - t1) / 1000, gold: (t3 - t2) / 1000 };
    } finally {
      await p.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const scalingRowName = (stage: Stage, factor: number): string => `${stage} at ${factor}x work`;
export const slopeRowName = (stage: Stage): string => `${stage}: log-log slope of time vs work`;

export const scalingSuite: BenchSuite = {
  name: 'scaling',
  async run({ quick }: BenchOptions): Promise<BenchRow[]> {
    const s = shape(quick);
    const times = new Map<number, Record<Stage, number>>();
    const events = new Map<number, number>();
    for (const factor of FACTORS) {
      const trucks = s.trucks * factor;
      const f = subFleet(s, trucks);
      events.set(factor, f.events);
      times.set(factor, await measure(f, trucks));
    }
    const base = times.get(1)!;
    const rows: BenchRow[] = [];
    for (const { key, title } of STAGES) {
      for (const factor of FACTORS) {
        const t = times.get(factor)![key];
        const n = events.get(factor)!;
        rows.push({
          group: GROUP,
          name: scalingRowName(key, factor),
          value: t,
          unit: 's',
          baseline: { name: 'linear from 1x', value: base[key] * factor },
          higherIsBetter: false,
          note: `${s.trucks * factor} trucks x 1 day, ${n.toLocaleString('en-US')} events (${Math.round(n / t).toLocaleString('en-US')} events/s)`,
          plot: { chart: `scaling-${key}`, title: `${title}: time vs work`, x: n, xLabel: 'events (trucks x 1 day)', series: 'measured' },
        });
      }
      const pts = FACTORS.map((f) => [events.get(f)!, times.get(f)![key]] as const);
      rows.push({
        group: GROUP,
        name: slopeRowName(key),
        value: logLogSlope(pts),
        unit: '',
        baseline: { name: 'linear', value: 1 },
        higherIsBetter: false,
        note: 'least-squares slope of log(time) on log(events) over 1x, 4x, 16x: 1 is linear, below 1 fixed costs dominate the small runs',
      });
    }
    return rows;
  },
};
