/**
 * The life of one alert instance (rule x vehicle x instance key): pending -> raised -> (updated)* -> cleared,
 * with a minimum duration to raise, a minimum duration to clear, a cooldown after a clear and throttled peak updates.
 * Pure state machine over plain data; the engine turns transitions into messages and applies storm protection.
 */
import type { Severity } from '../../shared/contracts/types.ts';
import type { Verdict } from './rules/rule-logic.ts';

export interface Timing {
  forMs: number;
  clearForMs: number;
  cooldownMs: number;
  updateEveryMs: number;
  peak: 'max' | 'min';
}

export interface Instance {
  key: string;
  active: boolean;
  /** Engine time since the level has been continuously "on" (-1: not on). */
  onSince: number;
  /** Engine time since the level has been continuously "off" (-1: not off). */
  offSince: number;
  cooldownUntil: number;
  /** Cooldown already counted for this pending episode. */
  blocked: boolean;
  /** Most extreme value of the current episode (pending and active). */
  peak: number | null;
  value: number | null;
  threshold: number | null;
  severity: Severity | undefined;
  signal: string | undefined;
  sensor: string | undefined;
  /** Last verdict carrying a value, for messages. */
  last: Verdict | undefined;
  // Set by the engine once raised:
  id: string;
  raisedAtWall: number;
  announced: boolean;
  lastEmitAt: number;
  lastEmitWall: number;
  lastState: 'raised' | 'updated';
  emittedPeak: number | null;
  /** Engine pass that last evaluated this instance (multi-instance bookkeeping). */
  pass: number;
}

export type Transition = 'raise' | 'update' | 'clear' | 'blocked' | 'none';

export const newInstance = (key: string): Instance => ({
  key,
  active: false,
  onSince: -1,
  offSince: -1,
  cooldownUntil: -Infinity,
  blocked: false,
  peak: null,
  value: null,
  threshold: null,
  severity: undefined,
  signal: undefined,
  sensor: undefined,
  last: undefined,
  id: '',
  raisedAtWall: 0,
  announced: false,
  lastEmitAt: 0,
  lastEmitWall: 0,
  lastState: 'raised',
  emittedPeak: null,
  pass: 0,
});

const moreExtreme = (dir: 'max' | 'min', a: number, b: number | null): boolean =>
  b === null || (dir === 'max' ? a > b : a < b);

function absorb(i: Instance, v: Verdict, dir: 'max' | 'min'): void {
  i.threshold = v.threshold;
  if (v.severity !== undefined) i.severity = v.severity;
  if (v.signal !== undefined) i.signal = v.signal;
  if (v.sensor !== undefined) i.sensor = v.sensor;
  // A verdict without a value (data missing) must not hide the last measured one. Rules may reuse their verdict
  // object (verdictSlot), so the one kept for messages is a copy.
  if (v.value === null) {
    if (i.value === null) i.last = { ...v };
    return;
  }
  i.value = v.value;
  i.last = { ...v };
  if (moreExtreme(dir, v.value, i.peak)) i.peak = v.value;
}

/** Feeds one verdict at engine time `now`; says what, if anything, the alert should announce. */
export function stepInstance(i: Instance, v: Verdict, t: Timing, now: number): Transition {
  const starting = i.onSince < 0;
  if (v.level === 'on') {
    if (i.onSince < 0) i.onSince = now;
  } else i.onSince = -1;
  if (v.level === 'off') {
    if (i.offSince < 0) i.offSince = now;
  } else i.offSince = -1;

  if (!i.active) {
    if (v.level !== 'on') {
      i.peak = null;
      i.blocked = false;
      return 'none';
    }
    // A new episode: its peak must not inherit the previous alert's.
    if (starting) i.peak = null;
    absorb(i, v, t.peak);
    if (now - i.onSince < t.forMs) return 'none';
    if (now < i.cooldownUntil) {
      if (i.blocked) return 'none';
      i.blocked = true;
      return 'blocked';
    }
    i.active = true;
    i.blocked = false;
    return 'raise';
  }

  absorb(i, v, t.peak);
  if (v.level === 'off' && now - i.offSince >= t.clearForMs) {
    i.active = false;
    i.cooldownUntil = now + t.cooldownMs;
    return 'clear';
  }
  if (
    i.announced &&
    i.peak !== null &&
    moreExtreme(t.peak, i.peak, i.emittedPeak) &&
    now - i.lastEmitAt >= t.updateEveryMs
  )
    return 'update';
  return 'none';
}

/** Inactive, already off, nothing pending: another "off" verdict would change nothing (see quiet-bands.ts). */
export const settledOff = (i: Instance): boolean =>
  !i.active && i.onSince < 0 && i.offSince >= 0 && i.peak === null && !i.blocked;

/** After a clock jump nothing was observed during the gap: durations start again from now. */
export function restartTimers(i: Instance, now: number): void {
  if (i.onSince >= 0) i.onSince = now;
  if (i.offSince >= 0) i.offSince = now;
}
