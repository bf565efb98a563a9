/**
 * Checks a schema-valid rule set for what a JSON schema cannot express: unique ids, references to geofences and
 * rules that exist, no reference cycles, the "exactly one form" of a condition, and hysteresis levels on the
 * clearing side of the raise level. Errors name the path like schema errors do.
 */
import type { Condition, Rule, RuleSet } from './rule-schema.ts';

const ORDERING_OPS = new Set(['>', '>=', '<', '<=']);

function checkCondition(c: Condition, path: string, geofences: Set<string>, refs: string[], errors: string[]): void {
  const forms = [
    c.signal !== undefined || c.op !== undefined || c.value !== undefined,
    c.all !== undefined,
    c.any !== undefined,
    c.not !== undefined,
    c.rule !== undefined,
    c.inside !== undefined,
  ].filter(Boolean).length;
  if (forms !== 1) {
    errors.push(`${path}: must have exactly one of {signal, op, value}, all, any, not, rule, inside`);
    return;
  }
  if (c.signal !== undefined || c.op !== undefined || c.value !== undefined) {
    if (c.signal === undefined) errors.push(`${path}/signal: is required`);
    if (c.op === undefined) errors.push(`${path}/op: is required`);
    if (c.value === undefined) errors.push(`${path}/value: is required`);
    else if (c.op !== undefined && ORDERING_OPS.has(c.op) && typeof c.value !== 'number')
      errors.push(`${path}/value: must be a number with op "${c.op}"`);
  }
  c.all?.forEach((x, i) => checkCondition(x, `${path}/all/${i}`, geofences, refs, errors));
  c.any?.forEach((x, i) => checkCondition(x, `${path}/any/${i}`, geofences, refs, errors));
  if (c.not) checkCondition(c.not, `${path}/not`, geofences, refs, errors);
  if (c.inside !== undefined && !geofences.has(c.inside))
    errors.push(`${path}/inside: unknown geofence "${c.inside}"`);
  if (c.rule !== undefined) refs.push(c.rule);
}

function checkRule(r: Rule, p: string, geofences: Set<string>, refs: string[], errors: string[]): void {
  const cond = (c: Condition | undefined, name: string): void => {
    if (c) checkCondition(c, `${p}/${name}`, geofences, refs, errors);
  };
  cond(r.when, 'when');
  switch (r.type) {
    case 'threshold':
      if (r.clear !== undefined) {
        if (r.direction === 'above' && r.clear > r.threshold)
          errors.push(`${p}/clear: must be <= threshold (${r.threshold}) for direction "above"`);
        if (r.direction === 'below' && r.clear < r.threshold)
          errors.push(`${p}/clear: must be >= threshold (${r.threshold}) for direction "below"`);
      }
      break;
    case 'range':
      if (r.clearTolerance !== undefined && r.clearTolerance > r.tolerance)
        errors.push(`${p}/clearTolerance: must be <= tolerance (${r.tolerance})`);
      break;
    case 'rate':
      if (r.clearDelta !== undefined && r.clearDelta > r.delta)
        errors.push(`${p}/clearDelta: must be <= delta (${r.delta})`);
      break;
    case 'harsh':
      if (r.clear !== undefined && r.clear > r.threshold)
        errors.push(`${p}/clear: must be <= threshold (${r.threshold})`);
      break;
    case 'overspeed':
      r.zones.forEach((z, i) => {
        if (!geofences.has(z.geofence)) errors.push(`${p}/zones/${i}/geofence: unknown geofence "${z.geofence}"`);
      });
      break;
    case 'geofence':
      if (!geofences.has(r.geofence)) errors.push(`${p}/geofence: unknown geofence "${r.geofence}"`);
      break;
    case 'silence':
      if ((r.sensor === undefined) === (r.signal === undefined))
        errors.push(`${p}: must have exactly one of sensor, signal`);
      break;
    case 'composite':
      cond(r.condition, 'condition');
      cond(r.clearCondition, 'clearCondition');
      break;
    case 'dtc':
    case 'idle':
      break;
  }
}

/** Semantic errors of a rule set that already passed the schema; empty when fine. */
export function checkRuleSet(set: RuleSet): string[] {
  const errors: string[] = [];
  const geofences = new Set<string>();
  set.geofences.forEach((g, i) => {
    if (geofences.has(g.id)) errors.push(`/geofences/${i}/id: duplicate geofence id "${g.id}"`);
    geofences.add(g.id);
  });
  const ids = new Map<string, number>();
  set.rules.forEach((r, i) => {
    if (ids.has(r.id)) errors.push(`/rules/${i}/id: duplicate rule id "${r.id}"`);
    else ids.set(r.id, i);
  });

  const graph = new Map<string, string[]>();
  set.rules.forEach((r, i) => {
    const refs: string[] = [];
    checkRule(r, `/rules/${i}`, geofences, refs, errors);
    for (const ref of refs) if (!ids.has(ref)) errors.push(`/rules/${i}: refers to unknown rule "${ref}"`);
    graph.set(r.id, refs);
  });

  // Rule references must form a DAG, so that referenced rules can be evaluated first.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id].join(' -> ');
      errors.push(`/rules/${ids.get(id) ?? '?'}: rule references form a cycle: ${cycle}`);
      return;
    }
    state.set(id, 'visiting');
    for (const next of graph.get(id) ?? []) if (ids.has(next)) visit(next, [...trail, id]);
    state.set(id, 'done');
  };
  for (const r of set.rules) visit(r.id, []);
  return errors;
}

/** Rules referenced by a condition (for dependency ordering). */
export function referencedRules(c: Condition | undefined, out: string[] = []): string[] {
  if (!c) return out;
  if (c.rule !== undefined) out.push(c.rule);
  c.all?.forEach((x) => referencedRules(x, out));
  c.any?.forEach((x) => referencedRules(x, out));
  referencedRules(c.not, out);
  return out;
}
