/**
 * rate: change of a signal within a sliding window, e.g. fuel level dropping by 5 % within 10 min. The drop is the
 * highest value in the window minus the current value (a rise: current minus the lowest), kept in a monotonic deque,
 * so each sample costs O(1) amortised. Raises at >= delta, clears below clearDelta. When the `when` gate closes
 * (e.g. the truck moves) the window is emptied, so only change observed while the gate was open counts.
 */
import type { RateRule } from '../rule-schema.ts';
import { erase, fmt, verdictSlot, type RuleLogic, type VerdictOut } from './rule-logic.ts';

/** Bounds memory for very chatty signals; the oldest samples go first. */
const MAX_SAMPLES = 10_000;

interface Window {
  t: number[];
  v: number[];
  head: number;
  lastSeq: number;
}

export function rateLogic(r: RateRule): RuleLogic {
  const drop = r.direction === 'drop';
  const windowMs = r.windowS * 1000;
  const clearDelta = r.clearDelta ?? r.delta;
  const out1 = verdictSlot(r.delta, r.signal);
  const unknown = (out: VerdictOut): void => {
    out1.level = 'hold';
    out1.value = null;
    out1.sensor = undefined;
    out1.observed = undefined;
    out1.ref = undefined;
    out.push(out1);
  };
  const reset = (w: Window): void => {
    w.t.length = 0;
    w.v.length = 0;
    w.head = 0;
  };
  return erase<Window>({
    deps: { signals: [r.signal], sensors: [] },
    peak: 'max',
    newScratch: () => ({ t: [], v: [], head: 0, lastSeq: -1 }),
    reset,
    evaluate(ctx, w, out) {
      const st = ctx.signal(r.signal);
      const x = st?.num;
      if (st === undefined || x === undefined) return unknown(out);
      if (st.seq !== w.lastSeq) {
        w.lastSeq = st.seq;
        // Monotonic deque: for a drop keep values decreasing so the front is the window's maximum.
        while (w.v.length > w.head && (drop ? w.v[w.v.length - 1]! <= x : w.v[w.v.length - 1]! >= x)) {
          w.v.pop();
          w.t.pop();
        }
        w.v.push(x);
        w.t.push(st.at);
        if (w.v.length - w.head > MAX_SAMPLES) w.head++;
      }
      const from = ctx.now - windowMs;
      while (w.head < w.t.length && w.t[w.head]! < from) w.head++;
      if (w.head > 1024) {
        // In place: splice would also build an array of the removed samples.
        const n = w.t.length - w.head;
        w.t.copyWithin(0, w.head);
        w.v.copyWithin(0, w.head);
        w.t.length = n;
        w.v.length = n;
        w.head = 0;
      }
      if (w.head >= w.v.length) return unknown(out);
      const edge = w.v[w.head]!;
      const change = drop ? edge - x : x - edge;
      out1.level = change >= r.delta ? 'on' : change < clearDelta ? 'off' : 'hold';
      out1.value = change;
      out1.sensor = st.sensor;
      out1.observed = x;
      out1.ref = edge;
      out.push(out1);
    },
    describe: (v) =>
      `${r.signal} ${drop ? 'dropped' : 'rose'} ${fmt(v.value)} within ${fmt(r.windowS)} s (from ${fmt(v.ref)} to ${fmt(v.observed)}; limit ${fmt(r.delta)})`,
  });
}
