import { describe, expect, it } from 'vitest';
import { addItem, compact, MAX_SEGMENTS, mayRepeat, parseSeries, segmentsOf, serialiseSeries, trimSeries, type Segments, type StreamSeries } from './resend-filter.ts';
import { addSeq, emptySeqState, type SeqState } from './seq-tracker.ts';

/** One stream with several series; items arrive in the given order. Returns the seqs found suspect. */
function run(items: { seq: number; series: string; t: number }[], seen: SeqState = emptySeqState(), series = new Map<string, Segments>()): number[] {
  const suspects: number[] = [];
  for (const it of items) {
    if (!addSeq(seen, it.seq)) continue; // a sequence duplicate never reaches the filter
    let segs = series.get(it.series);
    if (segs === undefined) series.set(it.series, (segs = []));
    if (mayRepeat(segs, it.seq, it.t)) suspects.push(it.seq);
    addItem(segs, it.seq, it.t, seen);
  }
  return suspects;
}

/** Three signals sampled every second, seqs interleaved as a gateway journals them. */
function lane(seconds: number, t0 = 1_700_000_000_000): { seq: number; series: string; t: number }[] {
  const out: { seq: number; series: string; t: number }[] = [];
  let seq = 1;
  for (let s = 0; s < seconds; s++) for (const series of ['speed', 'rpm', 'temp']) out.push({ seq: seq++, series, t: t0 + s * 1000 });
  return out;
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('resend filter', () => {
  it('suspects nothing in a lane whose sensor times increase, and keeps one segment per series', () => {
    const series = new Map<string, Segments>();
    expect(run(lane(500), emptySeqState(), series)).toEqual([]);
    for (const segs of series.values()) expect(segs.length).toBe(4);
  });

  it('suspects the resend (a repeated time at a higher seq) when it arrives after the original', () => {
    const items = lane(10);
    // The gateway crashed after seq 20; the rpm sensor resent its reading of seq 17 (time of second 5) as seq 31.
    const resend = { seq: 31, series: 'rpm', t: items[16]!.t };
    expect(run([...items, resend])).toEqual([31]);
  });

  it('suspects the original when the resend came first (live before backlog), and nothing else of the backlog', () => {
    const items = lane(100);
    const original = items[200]!; // in the backlog, near its end
    const resend = { seq: 301, series: original.series, t: original.t };
    const live = [resend, ...lane(50, items[299]!.t + 1000).map((x) => ({ ...x, seq: x.seq + 301 }))];
    const backlog = items.slice(0, 300);
    const suspects = run([...live, ...backlog]);
    // Backlog items with a time at or after the resend's, of the resend's series, are the only suspects.
    const expected = backlog.filter((x) => x.series === original.series && x.t >= original.t).map((x) => x.seq);
    expect(suspects).toEqual(expected);
    expect(suspects).toContain(original.seq);
    expect(suspects.length).toBeLessThan(40);
  });

  it('joins segments once the hole between them is filled, also by other series', () => {
    const seen = emptySeqState();
    const series = new Map<string, Segments>();
    const items = lane(20);
    run([...items.slice(30), ...items.slice(0, 20)], seen, series);
    expect(series.get('rpm')!.length).toBe(8); // two segments around the hole 21..30
    run(items.slice(20, 30), seen, series);
    for (const segs of series.values()) {
      compact(segs, seen);
      expect(segs.length).toBe(4);
    }
  });

  it('suspects an item after a sensor clock reset (a false alarm that costs one lookup)', () => {
    const items = lane(5);
    expect(run([...items, { seq: 16, series: 'rpm', t: items[0]!.t - 60_000 }])).toEqual([16]);
  });

  it('always suspects the second of two copies, whatever the arrival order, holes and segment cap', () => {
    const rnd = mulberry(42);
    for (let round = 0; round < 40; round++) {
      const items = lane(200);
      // Resends: copies at a higher seq of a few random items, appended at the end of the lane.
      const copies = new Map<number, number>();
      let next = items.length + 1;
      for (let k = 0; k < 5; k++) {
        const o = items[Math.floor(rnd() * items.length)]!;
        copies.set(next, o.seq);
        items.push({ seq: next++, series: o.series, t: o.t });
      }
      // Delivered as batches of 1 to 20 items in random order (some rounds: many holes, beyond the segment cap).
      const batches: (typeof items)[] = [];
      for (let i = 0; i < items.length; ) {
        const n = 1 + Math.floor(rnd() * (round % 2 ? 3 : 20));
        batches.push(items.slice(i, i + n));
        i += n;
      }
      for (let i = batches.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [batches[i], batches[j]] = [batches[j]!, batches[i]!];
      }
      const order = batches.flat();
      const series = new Map<string, Segments>();
      const suspects = new Set(run(order, emptySeqState(), series));
      const pos = new Map(order.map((x, i) => [x.seq, i]));
      for (const [copy, original] of copies) {
        const second = pos.get(copy)! > pos.get(original)! ? copy : original;
        expect(suspects.has(second), `round ${round}: copy ${copy} of ${original}`).toBe(true);
      }
      for (const segs of series.values()) expect(segs.length).toBeLessThanOrEqual(MAX_SEGMENTS * 4);
    }
  });

  it('forgets the series seen longest ago when a stream has too many', () => {
    const series: StreamSeries = new Map();
    const seen = emptySeqState();
    for (let i = 1; i <= 10; i++) {
      addSeq(seen, i);
      addItem(segmentsOf(series, i % 2 ? 'a' : 'b', `sig-${i}`), i, 1000 * i, seen);
    }
    expect(trimSeries(series, 20)).toBe(0);
    expect(trimSeries(series, 4)).toBe(6);
    expect([...series].flatMap(([sensor, m]) => [...m.keys()].map((k) => `${sensor}/${k}`)).sort()).toEqual(['a/sig-7', 'a/sig-9', 'b/sig-10', 'b/sig-8']);
  });

  it('round-trips through its stored form and rejects a malformed one', () => {
    const m = new Map([['gps', new Map<string, Segments>([['', [1, 5, 10, 50]]])], ['can', new Map<string, Segments>([['rpm', [2, 2, 7, 7, 9, 12, 20, 30]]])]]);
    expect(parseSeries(serialiseSeries(m))).toEqual(m);
    expect(parseSeries('{}').size).toBe(0);
    expect(() => parseSeries('{"a":{"b":[1,2,3]}}')).toThrow(/bad segments/);
    expect(() => parseSeries('{"a":[]}')).toThrow(/must be an object/);
    expect(() => parseSeries('[]')).toThrow(/JSON object/);
  });
});
