/**
 * silence: nothing heard from a sensor (any message) or of a signal (any reading; "position" for positions) for
 * afterS. Judged on every tick; any message clears it. Sensors never heard are timed from engine start (or the
 * vehicle's registration) and from the last clock jump. Values are seconds.
 */
import type { SilenceRule } from '../rule-schema.ts';
import { erase, fmt, type RuleLogic } from './rule-logic.ts';

export function silenceLogic(r: SilenceRule): RuleLogic {
  const afterMs = r.afterS * 1000;
  const bySensor = r.sensor !== undefined;
  const key = r.sensor ?? r.signal ?? '';
  return erase<null>({
    deps: bySensor ? { signals: [], sensors: [key] } : { signals: [key], sensors: [] },
    peak: 'max',
    newScratch: () => null,
    evaluate(ctx, _s, out) {
      const v = ctx.vehicle;
      const seen = (bySensor ? v.seenSensor : v.seenSignal).get(key);
      const since = seen === undefined || seen < v.observedSince ? v.observedSince : seen;
      const silentMs = ctx.now - since;
      out.push({
        instance: '',
        level: silentMs >= afterMs ? 'on' : 'off',
        value: Math.round(silentMs / 100) / 10,
        threshold: r.afterS,
        ...(bySensor ? { sensor: key } : { signal: key }),
      });
    },
    describe: (v) => `no data from ${bySensor ? 'sensor' : 'signal'} ${key} for ${fmt(v.value)} s (limit ${fmt(r.afterS)} s)`,
  });
}
