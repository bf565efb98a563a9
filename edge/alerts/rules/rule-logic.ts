/** What every rule type provides to the engine: its inputs, and an evaluation that yields a level per instance. */
import type { Severity } from '../../../shared/contracts/types.ts';
import type { EvalContext } from '../eval-context.ts';
import type { OffBand } from '../quiet-bands.ts';

/** on: raise condition holds; off: clear condition holds; hold: neither (hysteresis band, missing data, suspended). */
export type Level = 'on' | 'off' | 'hold';

export interface Verdict {
  /** '' for rules with a single alert per vehicle; e.g. "110:0" for one DTC. */
  instance: string;
  level: Level;
  value: number | null;
  threshold: number | null;
  signal?: string;
  sensor?: string;
  severity?: Severity;
  /** The raw measurement when `value` is derived from it (a deviation, a drop). */
  observed?: number;
  /** A reference the value was judged against (setpoint, window start value). */
  ref?: number;
  /** A short fixed note for the message (zone id, lamp, "suspended"). */
  note?: string;
}

export interface Deps {
  signals: string[];
  sensors: string[];
}

/**
 * Where a rule puts its verdicts: in the engine, a buffer reused across evaluations (an array also fits). A pushed
 * verdict is only read during that evaluation (the engine copies what it keeps), so a rule may push the same
 * object every time: see verdictSlot.
 */
export interface VerdictOut {
  push(v: Verdict): unknown;
}

/**
 * One verdict object for a single-instance rule to fill and push on every evaluation, instead of a fresh object per
 * rule per reading (the bench's 100 rules over 8 signals trigger about 12 per reading). All fields exist from the
 * start, so the object keeps one shape.
 */
export function verdictSlot(threshold: number | null, signal?: string): Verdict {
  return { instance: '', level: 'hold', value: null, threshold, signal, sensor: undefined, severity: undefined, observed: undefined, ref: undefined, note: undefined };
}

export interface RuleLogic<S = unknown> {
  deps: Deps;
  /** Which end of the value range counts as the peak. */
  peak: 'max' | 'min';
  /** The alert's value is how long the condition has held (seconds), filled in by the engine. */
  valueIsDuration?: boolean;
  /** One alert per instance key; instances missing from a complete evaluation are off. */
  multiInstance?: boolean;
  newScratch(): S;
  /** Pushes verdicts; a multi-instance rule returns false when its input is unknown (missing instances hold). */
  evaluate(ctx: EvalContext, scratch: S, out: VerdictOut): boolean | void;
  /** Set when, given a fresh value of one signal, the verdict is "off" exactly while that value lies in a band: the
   *  engine may then skip the rule while it is settled off and new values stay in the band (quiet-bands.ts). */
  offBand?: OffBand;
  /** Called when the rule's `when` gate closes. */
  reset?(scratch: S): void;
  /** Text for alert messages; only called when an alert is emitted. */
  describe(v: Verdict): string;
}

/** Erases the scratch type once the logic is built (the engine only passes each rule its own scratch back). */
export const erase = <S>(l: RuleLogic<S>): RuleLogic => l as unknown as RuleLogic;

export function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'n/a';
  if (Number.isInteger(n)) return String(n);
  return String(Math.round(n * 100) / 100);
}
