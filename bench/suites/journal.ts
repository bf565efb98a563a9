/**
 * Edge journal (LevelDB): durable appends through the adaptive group-commit writer against a put per message with
 * sync (same concurrency, same run); draining a large backlog through a cursor with acks; the cost of a large
 * backlog in memory, in open time (the lane scan that rebuilds the byte accounting) and on disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Level } from 'level';
import { Packr } from 'msgpackr';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { Journal } from '../../edge/journal/journal.ts';
import { eventKey } from '../../edge/journal/keys.ts';
import { itemFor } from '../../edge/journal/test-items.ts';

const GROUP = 'Edge journal';
const APPENDERS = 200;

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-bench-journal-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `APPENDERS` concurrent loops, each awaiting its append before the next (a client with QoS 1 in flight). */
async function concurrentLoops(total: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: APPENDERS }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function groupCommitRate(total: number): Promise<number> {
  return withDir(async (dir) => {
    const j = await Journal.open({ dir });
    try {
      return await concurrentLoops(total, (i) => j.append('telemetry', itemFor('telemetry', i)));
    } finally {
      await j.close();
    }
  });
}

async function putPerMessageRate(total: number): Promise<number> {
  return withDir(async (dir) => {
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const packr = new Packr({ useRecords: false });
    try {
      return await concurrentLoops(total, (i) =>
        db.put(eventKey('telemetry', i + 1), packr.pack({ seq: i + 1, ...itemFor('telemetry', i) }) as Uint8Array, { sync: true }),
      );
    } finally {
      await db.close();
    }
  });
}

interface OpenProbe {
  openMs: number;
  rssMiB: number;
  heapMiB: number;
  backlogEvents: number;
}

/**
 * Opens the journal in a fresh process (this file run with --open-probe), so the figures are what a gateway
 * restarting with this backlog pays: open time (lane scan) and resident memory after a GC.
 */
function openProbe(dir: string): OpenProbe {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--open-probe', dir], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as OpenProbe;
}

async function runOpenProbe(dir: string): Promise<void> {
  const started = performance.now();
  const j = await Journal.open({ dir, capBytes: 4 * 2 ** 30, maintenanceIntervalMs: 600_000 });
  const openMs = performance.now() - started;
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const probe: OpenProbe = { openMs, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, backlogEvents: j.laneStatus('telemetry').backlogEvents };
  await j.close();
  process.stdout.write(`${JSON.stringify(probe)}\n`);
}

if (process.argv[2] === '--open-probe' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runOpenProbe(process.argv[3]!);
}

async function backlogFigures(n: number): Promise<BenchRow[]> {
  return withDir(async (dir) => {
    const label = n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
    const empty = openProbe(join(dir, 'empty'));
    let j = await Journal.open({ dir, capBytes: 4 * 2 ** 30 });
    // Fill through the writer in windows, so the queue (and its promises) stays bounded.
    for (let i = 0; i < n; i += 20_000) {
      await Promise.all(Array.from({ length: Math.min(20_000, n - i) }, (_, k) => j.append('telemetry', itemFor('telemetry', i + k))));
    }
    await j.close();

    const full = openProbe(dir);
    if (full.backlogEvents !== n) throw new Error(`probe saw ${full.backlogEvents} of ${n} events`);
    j = await Journal.open({ dir, capBytes: 4 * 2 ** 30 });
    const diskBacklog = await j.measureDisk();

    const c = j.cursor('telemetry');
    const drainStart = performance.now();
    let drained = 0;
    for (;;) {
      const chunk = await c.next({ maxEvents: 1000, maxBytes: 1024 * 1024, decode: false });
      if (chunk.seqs.length === 0) break;
      await j.ack('telemetry', chunk.seqs.at(-1)!);
      drained += chunk.seqs.length;
    }
    const drainRate = drained / ((performance.now() - drainStart) / 1000);
    const compactStart = performance.now();
    await j.compact();
    const compactMs = performance.now() - compactStart;
    const diskDrained = await j.measureDisk();
    await j.close();
    if (drained !== n) throw new Error(`drained ${drained} of ${n}`);

    return [
      { group: GROUP, name: `drain ${label} backlog: cursor read + ack`, value: drainRate, unit: 'events/s', higherIsBetter: true, note: 'chunks of 1000, encoded (not decoded), ack per chunk' },
      {
        group: GROUP,
        name: `open with ${label} backlog (lane scan)`,
        value: full.openMs,
        unit: 'ms',
        baseline: { name: 'empty journal', value: empty.openMs },
        higherIsBetter: false,
        note: 'fresh process',
      },
      {
        group: GROUP,
        name: `RSS after open with ${label} backlog`,
        value: full.rssMiB,
        unit: 'MiB',
        baseline: { name: 'empty journal', value: empty.rssMiB },
        higherIsBetter: false,
        note: `fresh process, after GC; V8 heap ${full.heapMiB.toFixed(1)} MiB (empty: ${empty.heapMiB.toFixed(1)})`,
      },
      { group: GROUP, name: `disk with ${label} backlog`, value: diskBacklog / 2 ** 20, unit: 'MiB', higherIsBetter: false },
      { group: GROUP, name: `disk after drain + compaction (${label})`, value: diskDrained / 2 ** 20, unit: 'MiB', higherIsBetter: false, note: `compaction took ${compactMs.toFixed(0)} ms` },
    ];
  });
}

const APPEND_ROW = `durable appends, ${APPENDERS} concurrent appenders (group commit, sync)`;

interface PastTheMark {
  rate: number;
  maxStallMs: number;
  folded: number;
  /** Rollups in the journal at the end, and the readings they stand for. */
  rollups: number;
  inRollups: number;
  evicted: number;
}

/**
 * Appends to a journal already past its downsampling mark, folding as it goes (or, with `fold` false, evicting at the
 * cap instead): the cost of downsampling to ingest and to the event loop, which alerts share. Ten signals at 10 Hz of
 * sensor time each, so that a 60 s window holds 600 readings of a signal.
 */
async function pastTheMark(fold: boolean, total: number): Promise<PastTheMark> {
  const capBytes = 8 * 2 ** 20;
  const T0 = 1_700_000_040_000;
  const item = (i: number) => {
    const it = itemFor('telemetry', i, T0 + i * 10 + 5);
    return it.kind === 'reading' ? { ...it, body: { ...it.body, signal: `sig_${i % 10}` } } : it;
  };
  return withDir(async (dir) => {
    const j = await Journal.open({ dir, capBytes, downsampleAtPercent: 50, downsampleWindowMs: fold ? 60_000 : 0 });
    try {
      // Fill to the mark first, in waves as sensors would.
      let i = 0;
      for (; j.status().liveBytes < capBytes / 2; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => j.append('telemetry', item(i + k))));
      const stalls = monitorEventLoopDelay({ resolution: 1 });
      stalls.enable();
      const base = i;
      const rate = await concurrentLoops(total, (k) => j.append('telemetry', item(base + k)));
      stalls.disable();
      const st = j.laneStatus('telemetry');
      let rollups = 0;
      let inRollups = 0;
      for (const c = j.cursor('telemetry'); ; ) {
        const chunk = await c.next({ maxEvents: 5000 });
        if (chunk.events.length === 0) break;
        for (const e of chunk.events)
          if (e.kind === 'rollup') {
            rollups++;
            inRollups += e.body.count + e.body.bad;
          }
      }
      return { rate, maxStallMs: stalls.max / 1e6, folded: st.downsampled ?? 0, rollups, inRollups, evicted: st.evicted };
    } finally {
      await j.close();
    }
  });
}

async function downsamplingFigures(total: number): Promise<BenchRow[]> {
  const evict = await pastTheMark(false, total);
  const fold = await pastTheMark(true, total);
  const note = `${total} appends past 50 % of an 8 MiB cap; folded ${fold.folded} (evicted outright ${fold.evicted - fold.folded}); eviction only: ${evict.evicted} evicted`;
  return [
    { group: GROUP, name: 'durable appends past the downsampling mark, folding', value: fold.rate, unit: 'appends/s', higherIsBetter: true, baseline: { name: 'same, eviction only', value: evict.rate }, note },
    { group: GROUP, name: 'longest event-loop stall while folding', value: fold.maxStallMs, unit: 'ms', higherIsBetter: false, baseline: { name: 'same, eviction only', value: evict.maxStallMs } },
    {
      group: GROUP,
      name: 'readings per rollup kept (10 signals at 10 Hz, 60 s windows)',
      value: fold.rollups > 0 ? fold.inRollups / fold.rollups : 0,
      unit: 'x',
      higherIsBetter: true,
      // A rollup per whole window of one signal: the most a fold can make of this stream.
      baseline: { name: 'one rollup per whole window', value: 600 },
      note: `${fold.inRollups} readings in the ${fold.rollups} rollups left in the journal`,
    },
  ];
}

export const journalSuite: BenchSuite = {
  name: 'journal',
  check(rows: BenchRow[]): Record<string, boolean> {
    const r = rows.find((x) => x.name === APPEND_ROW);
    return r?.baseline ? { [APPEND_ROW]: r.value >= 2 * r.baseline.value } : {};
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const appends = opts.quick ? 20_000 : 100_000;
    const baselineAppends = opts.quick ? 5_000 : 20_000;
    const put = await putPerMessageRate(baselineAppends);
    const group = await groupCommitRate(appends);
    return [
      {
        group: GROUP,
        name: APPEND_ROW,
        value: group,
        unit: 'appends/s',
        baseline: { name: 'put per message, sync', value: put },
        higherIsBetter: true,
        target: '>= 2x put per message',
        note: 'fsync is cheap on this VM; on flash the gap widens',
      },
      ...(await backlogFigures(opts.quick ? 100_000 : 1_000_000)),
      ...(await downsamplingFigures(opts.quick ? 30_000 : 200_000)),
    ];
  },
};
