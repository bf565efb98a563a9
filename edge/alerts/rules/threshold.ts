/**
 * threshold: a signal at or beyond a level raises (inclusive: exactly at the threshold raises); it clears once the
 * value is strictly past the clear level (hysteresis). Between the two the alert holds its state.
 */
import type { ThresholdRule } from '../rule-schema.ts';
import { erase, fmt, type Level, type RuleLogic } from './rule-logic.ts';

export function thresholdLogic(r: ThresholdRule): RuleLogic {
  const above = r.direction === 'above';
  const thr = r.threshold;
  const clear = r.clear ?? thr;
  return erase<null>({
    deps: { signals: [r.signal], sensors: [] },
    peak: above ? 'max' : 'min',
    newScratch: () => null,
    evaluate(ctx, _s, out) {
      const st = ctx.signal(r.signal);
      const v = st?.num;
      if (st === undefined || v === undefined) {
        out.push({ instance: '', level: 'hold', value: null, threshold: thr, signal: r.signal });
        return;
      }
      const level: Level = above ? (v >= thr ? 'on' : v < clear ? 'off' : 'hold') : v <= thr ? 'on' : v > clear ? 'off' : 'hold';
      out.push({ instance: '', level, value: v, threshold: thr, signal: r.signal, sensor: st.sensor });
    },
    describe: (v) =>
      `${r.signal} ${fmt(v.value)} (raise at ${above ? '>=' : '<='} ${fmt(thr)}, clear ${above ? 'below' : 'above'} ${fmt(clear)})`,
  });
}
