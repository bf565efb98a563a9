/**
 * idle: engine running (rpm strictly above rpmAbove) while speed <= maxSpeedKmh. Raises once that has held forS
 * (default 10 min); the value is the idle time so far in seconds.
 */
import type { IdleRule } from '../rule-schema.ts';
import { erase, fmt, type RuleLogic } from './rule-logic.ts';

export function idleLogic(r: IdleRule): RuleLogic {
  return erase<null>({
    deps: { signals: [r.rpmSignal, r.speedSignal], sensors: [] },
    peak: 'max',
    valueIsDuration: true,
    newScratch: () => null,
    evaluate(ctx, _s, out) {
      const rpm = ctx.signal(r.rpmSignal);
      const speed = ctx.num(r.speedSignal);
      if (rpm === undefined || rpm.num === undefined || speed === undefined) {
        out.push({ instance: '', level: 'hold', value: null, threshold: r.forS });
        return;
      }
      const idle = rpm.num > r.rpmAbove && speed <= r.maxSpeedKmh;
      out.push({ instance: '', level: idle ? 'on' : 'off', value: null, threshold: r.forS, signal: r.rpmSignal, sensor: rpm.sensor });
    },
    describe: (v) => `engine idling for ${fmt(v.value)} s (limit ${fmt(r.forS)} s)`,
  });
}
