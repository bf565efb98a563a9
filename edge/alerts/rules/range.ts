/**
 * range: the worst |signal - setpoint| over the listed signals (reefer supply and return air) beyond the tolerance
 * raises (strictly greater); at or within the clear tolerance it clears. While the suspend signal (defrost) is true,
 * and for suspendAfterS after it turns false, the rule holds: no new raise, no clear, and the delay restarts.
 * A suspend signal never reported does not suspend; one reported but now stale holds (state unknown).
 */
import type { RangeRule } from '../rule-schema.ts';
import { erase, fmt, type Level, type RuleLogic } from './rule-logic.ts';

export function rangeLogic(r: RangeRule): RuleLogic {
  const tol = r.tolerance;
  const clearTol = r.clearTolerance ?? tol;
  const afterMs = r.suspendAfterS * 1000;
  const fixed = r.setpoint;
  const signals = [...r.signals];
  if (fixed === undefined) signals.push(r.setpointSignal);
  if (r.suspendSignal !== undefined) signals.push(r.suspendSignal);
  return erase<null>({
    deps: { signals, sensors: [] },
    peak: 'max',
    newScratch: () => null,
    evaluate(ctx, _s, out) {
      if (r.suspendSignal !== undefined && ctx.vehicle.signals.has(r.suspendSignal)) {
        const s = ctx.signal(r.suspendSignal);
        if (s === undefined) {
          out.push({ instance: '', level: 'hold', value: null, threshold: tol, note: `${r.suspendSignal} unknown` });
          return;
        }
        if (s.truthy || (s.fellAt !== undefined && ctx.now - s.fellAt < afterMs)) {
          out.push({ instance: '', level: 'hold', value: null, threshold: tol, note: `suspended by ${r.suspendSignal}` });
          return;
        }
      }
      const sp = fixed ?? ctx.num(r.setpointSignal);
      if (sp === undefined) {
        out.push({ instance: '', level: 'hold', value: null, threshold: tol, note: 'setpoint unknown' });
        return;
      }
      let worst = -1;
      let worstSignal = '';
      let worstSensor = '';
      let observed = 0;
      for (const name of r.signals) {
        const st = ctx.signal(name);
        const v = st?.num;
        if (st === undefined || v === undefined) continue;
        const d = Math.abs(v - sp);
        if (d > worst) {
          worst = d;
          worstSignal = name;
          worstSensor = st.sensor;
          observed = v;
        }
      }
      if (worst < 0) {
        out.push({ instance: '', level: 'hold', value: null, threshold: tol, ref: sp });
        return;
      }
      const level: Level = worst > tol ? 'on' : worst <= clearTol ? 'off' : 'hold';
      out.push({ instance: '', level, value: worst, threshold: tol, signal: worstSignal, sensor: worstSensor, observed, ref: sp });
    },
    describe: (v) =>
      v.value === null
        ? `${v.note ?? 'no data'}`
        : `${v.signal} ${fmt(v.observed)} is ${fmt(v.value)} from setpoint ${fmt(v.ref)} (tolerance ${fmt(tol)})`,
  });
}
