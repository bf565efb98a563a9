/**
 * harsh: acceleration (accel_x >= t), braking (accel_x <= -t) or cornering (|accel_y| >= t), x forward and y lateral,
 * in m/s2; thresholds written in g are converted. Value and peak are the magnitude in m/s2. Clears below `clear`.
 */
import type { HarshRule } from '../rule-schema.ts';
import { STANDARD_GRAVITY } from '../units.ts';
import { erase, fmt, verdictSlot, type RuleLogic } from './rule-logic.ts';

export function harshLogic(r: HarshRule): RuleLogic {
  const scale = r.unit === 'g' ? STANDARD_GRAVITY : 1;
  const thr = r.threshold * scale;
  const clear = (r.clear ?? r.threshold) * scale;
  const signal = r.signal ?? (r.kind === 'corner' ? 'accel_y' : 'accel_x');
  const magnitude = r.kind === 'accel' ? (x: number) => x : r.kind === 'brake' ? (x: number) => -x : Math.abs;
  const out1 = verdictSlot(thr, signal);
  return erase<null>({
    deps: { signals: [signal], sensors: [] },
    peak: 'max',
    newScratch: () => null,
    evaluate(ctx, _s, out) {
      const st = ctx.signal(signal);
      const x = st?.num;
      if (st === undefined || x === undefined) {
        out1.level = 'hold';
        out1.value = null;
        out1.sensor = undefined;
      } else {
        const m = magnitude(x);
        out1.level = m >= thr ? 'on' : m < clear ? 'off' : 'hold';
        out1.value = m;
        out1.sensor = st.sensor;
      }
      out.push(out1);
    },
    describe: (v) => `harsh ${r.kind}: ${fmt(v.value)} m/s2 on ${signal} (limit ${fmt(thr)} m/s2)`,
  });
}
