/**
 * Validated rule set -> what the engine runs: each enabled rule's logic, gate, timing and inputs, in an order where
 * rules referenced by conditions come first, plus a fingerprint per rule so a reload keeps the state of rules
 * that did not change.
 */
import type { Geofence, Rule, RuleSet } from './rule-schema.ts';
import type { Timing } from './lifecycle.ts';
import type { RuleLogic } from './rules/rule-logic.ts';
import type { OffBand } from './quiet-bands.ts';
import { compileCondition, type CompiledCondition, type ConditionDeps } from './conditions.ts';
import { referencedRules } from './rule-checks.ts';
import { thresholdLogic } from './rules/threshold.ts';
import { rangeLogic } from './rules/range.ts';
import { rateLogic } from './rules/rate.ts';
import { harshLogic } from './rules/harsh.ts';
import { overspeedLogic } from './rules/overspeed.ts';
import { geofenceLogic } from './rules/geofence.ts';
import { silenceLogic } from './rules/silence.ts';
import { dtcLogic } from './rules/dtc.ts';
import { idleLogic } from './rules/idle.ts';
import { compositeLogic } from './rules/composite.ts';

export interface CompiledRule {
  id: string;
  /** Position in evaluation order. */
  order: number;
  rule: Rule;
  title: string;
  fingerprint: string;
  logic: RuleLogic;
  gate: CompiledCondition | undefined;
  /** The logic's off band, for a rule whose verdict depends on that one signal alone (no gate, one instance). */
  offBand: OffBand | undefined;
  timing: Timing;
  maxAgeMs: number;
  maxRaises: number;
  windowMs: number;
  signals: ReadonlySet<string>;
  sensors: ReadonlySet<string>;
}

export interface CompiledRuleSet {
  set: RuleSet;
  rules: CompiledRule[];
  byId: ReadonlyMap<string, CompiledRule>;
}

/** JSON with sorted keys, so equal rules fingerprint equally whatever the key order in the file. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function geofencesUsed(r: Rule): string[] {
  const out: string[] = [];
  const walk = (c: unknown): void => {
    if (c === null || typeof c !== 'object') return;
    for (const [k, x] of Object.entries(c)) {
      if (k === 'inside' && typeof x === 'string') out.push(x);
      else walk(x);
    }
  };
  walk(r.when);
  if (r.type === 'composite') {
    walk(r.condition);
    walk(r.clearCondition);
  }
  if (r.type === 'overspeed') out.push(...r.zones.map((z) => z.geofence));
  if (r.type === 'geofence') out.push(r.geofence);
  return out;
}

function buildLogic(r: Rule, geofences: ReadonlyMap<string, Geofence>, deps: ConditionDeps): RuleLogic {
  switch (r.type) {
    case 'threshold':
      return thresholdLogic(r);
    case 'range':
      return rangeLogic(r);
    case 'rate':
      return rateLogic(r);
    case 'harsh':
      return harshLogic(r);
    case 'overspeed':
      return overspeedLogic(r, geofences);
    case 'geofence':
      return geofenceLogic(r, geofences);
    case 'silence':
      return silenceLogic(r);
    case 'dtc':
      return dtcLogic(r);
    case 'idle':
      return idleLogic(r);
    case 'composite': {
      const own: ConditionDeps = { signals: new Set(), rules: new Set() };
      const cond = compileCondition(r.condition, geofences, own);
      const clear = r.clearCondition ? compileCondition(r.clearCondition, geofences, own) : undefined;
      for (const s of own.signals) deps.signals.add(s);
      for (const x of own.rules) deps.rules.add(x);
      return compositeLogic(r, cond, clear, [...own.signals]);
    }
  }
}

/** Expects a set that passed validateRuleSet; throws on dangling references otherwise. */
export function compileRuleSet(set: RuleSet, defaultMaxAgeMs: number): CompiledRuleSet {
  const geofences = new Map(set.geofences.map((g) => [g.id, g] as const));
  const enabled = set.rules.filter((r) => r.enabled);
  const byRuleId = new Map(enabled.map((r) => [r.id, r] as const));

  // Depth-first post-order: referenced rules before the rules that refer to them.
  const ordered: Rule[] = [];
  const placed = new Set<string>();
  const place = (r: Rule): void => {
    if (placed.has(r.id)) return;
    placed.add(r.id);
    const refs = referencedRules(r.when);
    if (r.type === 'composite') referencedRules(r.clearCondition, referencedRules(r.condition, refs));
    for (const id of refs) {
      const dep = byRuleId.get(id);
      if (dep) place(dep);
    }
    ordered.push(r);
  };
  enabled.forEach(place);

  const compiled = new Map<string, CompiledRule>();
  const rules = ordered.map((r, order): CompiledRule => {
    const deps: ConditionDeps = { signals: new Set(), rules: new Set() };
    const gate = r.when ? compileCondition(r.when, geofences, deps) : undefined;
    const logic = buildLogic(r, geofences, deps);
    const signals = new Set([...logic.deps.signals, ...deps.signals]);
    const sensors = new Set(logic.deps.sensors);
    const refPrints: string[] = [];
    for (const id of deps.rules) {
      const ref = compiled.get(id);
      // A reference to a disabled rule is constant (never active).
      if (!ref) {
        refPrints.push(`${id}:off`);
        continue;
      }
      ref.signals.forEach((s) => signals.add(s));
      ref.sensors.forEach((s) => sensors.add(s));
      refPrints.push(ref.fingerprint);
    }
    const usedFences = [...new Set(geofencesUsed(r))].sort().map((id) => geofences.get(id));
    const c: CompiledRule = {
      id: r.id,
      order,
      rule: r,
      title: r.message ?? r.id,
      fingerprint: stable({ r, usedFences, refPrints, defaultMaxAgeMs }),
      logic,
      gate,
      offBand: gate || logic.multiInstance ? undefined : logic.offBand,
      timing: {
        forMs: r.forS * 1000,
        clearForMs: r.clearForS * 1000,
        cooldownMs: r.cooldownS * 1000,
        updateEveryMs: r.updateEveryS * 1000,
        peak: logic.peak,
      },
      maxAgeMs: r.maxAgeS !== undefined ? r.maxAgeS * 1000 : defaultMaxAgeMs,
      maxRaises: r.rateLimit.maxRaises,
      windowMs: r.rateLimit.windowS * 1000,
      signals,
      sensors,
    };
    compiled.set(r.id, c);
    return c;
  });
  return { set, rules, byId: compiled };
}
