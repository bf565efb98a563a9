/**
 * Compiles conditions (`when` gates, composite rules) into closures with three-valued logic: a missing or stale
 * signal makes a comparison unknown, and unknown propagates like SQL NULL (false AND unknown = false,
 * true OR unknown = true), so a rule neither raises nor clears on data it does not have.
 */
import type { Condition, Geofence } from './rule-schema.ts';
import type { EvalContext } from './eval-context.ts';
import { insideGeofence } from './geometry.ts';

export type Tri = boolean | undefined;
export type CompiledCondition = (ctx: EvalContext) => Tri;

export interface ConditionDeps {
  signals: Set<string>;
  rules: Set<string>;
}

export const POSITION_SIGNAL = 'position';

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

export function compileCondition(
  c: Condition,
  geofences: ReadonlyMap<string, Geofence>,
  deps: ConditionDeps,
): CompiledCondition {
  if (c.all) {
    const parts = c.all.map((x) => compileCondition(x, geofences, deps));
    return (ctx) => {
      let unknown = false;
      for (const p of parts) {
        const r = p(ctx);
        if (r === false) return false;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    };
  }
  if (c.any) {
    const parts = c.any.map((x) => compileCondition(x, geofences, deps));
    return (ctx) => {
      let unknown = false;
      for (const p of parts) {
        const r = p(ctx);
        if (r === true) return true;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    };
  }
  if (c.not) {
    const inner = compileCondition(c.not, geofences, deps);
    return (ctx) => {
      const r = inner(ctx);
      return r === undefined ? undefined : !r;
    };
  }
  if (c.rule !== undefined) {
    const id = c.rule;
    deps.rules.add(id);
    return (ctx) => ctx.isActive(id);
  }
  if (c.inside !== undefined) {
    const g = geofences.get(c.inside);
    if (!g) throw new Error(`unknown geofence "${c.inside}"`);
    deps.signals.add(POSITION_SIGNAL);
    return (ctx) => {
      const p = ctx.position();
      return p === undefined ? undefined : insideGeofence(p, g);
    };
  }
  const signal = c.signal;
  const op = c.op;
  const value = c.value;
  if (signal === undefined || op === undefined || value === undefined) throw new Error('incomplete comparison');
  deps.signals.add(signal);
  if (typeof value === 'number') {
    return (ctx) => {
      const x = ctx.num(signal);
      return x === undefined ? undefined : compare(op, x, value);
    };
  }
  if (typeof value === 'boolean') {
    return (ctx) => {
      const s = ctx.signal(signal);
      if (s === undefined) return undefined;
      return op === '==' ? s.truthy === value : s.truthy !== value;
    };
  }
  return (ctx) => {
    const s = ctx.signal(signal);
    if (s === undefined) return undefined;
    return op === '==' ? String(s.value) === value : String(s.value) !== value;
  };
}
