/**
 * composite: raises while `condition` is true, clears when `clearCondition` is true (default: when `condition` is
 * false); unknown holds. Conditions may refer to other rules' active alerts and to geofences.
 */
import type { CompositeRule } from '../rule-schema.ts';
import type { CompiledCondition } from '../conditions.ts';
import { erase, fmt, type Level, type RuleLogic } from './rule-logic.ts';

export function compositeLogic(
  r: CompositeRule,
  condition: CompiledCondition,
  clearCondition: CompiledCondition | undefined,
  signals: string[],
): RuleLogic {
  const valueSignal = r.valueSignal;
  return erase<null>({
    deps: { signals: valueSignal === undefined ? signals : [...signals, valueSignal], sensors: [] },
    peak: 'max',
    newScratch: () => null,
    evaluate(ctx, _s, out) {
      const c = condition(ctx);
      let level: Level;
      if (c === true) level = 'on';
      else if (clearCondition) level = clearCondition(ctx) === true ? 'off' : 'hold';
      else level = c === false ? 'off' : 'hold';
      if (valueSignal === undefined) {
        out.push({ instance: '', level, value: null, threshold: null });
        return;
      }
      const st = ctx.signal(valueSignal);
      out.push({ instance: '', level, value: st?.num ?? null, threshold: null, signal: valueSignal, ...(st ? { sensor: st.sensor } : {}) });
    },
    describe: (v) => (valueSignal === undefined ? 'condition met' : `condition met (${valueSignal} ${fmt(v.value)})`),
  });
}
