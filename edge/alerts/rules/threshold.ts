/**
 * threshold: a signal at or beyond a level raises (inclusive: exactly at the threshold raises); it clears once the
 * value is strictly past the clear level (hysteresis). Between the two the alert holds its state.
 */
import type { ThresholdRule } from '../rule-schema.ts';
import { erase, fmt, verdictSlot, type RuleLogic } from './rule-logic.ts';

export function thresholdLogic(r: ThresholdRule): RuleLogic {
  const above = r.direction === 'above';
  const thr = r.threshold;
  const clear = r.clear ?? thr;
  const out1 = verdictSlot(thr, r.signal);
  return erase<null>({
    deps: { signals: [r.signal], sensors: [] },
    peak: above ? 'max' : 'min',
    newScratch: () => null,
    // The verdict is off exactly when the value is strictly past the clear level (see evaluate).
    offBand: above ? { signal: r.signal, lo: -Infinity, hi: clear } : { signal: r.signal, lo: clear, hi: Infinity },
    evaluate(ctx, _s, out) {
      const st = ctx.signal(r.signal);
      const v = st?.num;
      if (st === undefined || v === undefined) {
        out1.level = 'hold';
        out1.value = null;
        out1.sensor = undefined;
      } else {
        out1.level = above ? (v >= thr ? 'on' : v < clear ? 'off' : 'hold') : v <= thr ? 'on' : v > clear ? 'off' : 'hold';
        out1.value = v;
        out1.sensor = st.sensor;
      }
      out.push(out1);
    },
    describe: (v) =>
      `${r.signal} ${fmt(v.value)} (raise at ${above ? '>=' : '<='} ${fmt(thr)}, clear ${above ? 'below' : 'above'} ${fmt(clear)})`,
  });
}
