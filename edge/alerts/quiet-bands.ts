/**
 * Quiet bands: skipping the rules a reading cannot change.
 *
 * Most readings change nothing: the value is nowhere near any threshold. A rule is *settled off* when its alert is
 * inactive, its level is already off, nothing is pending and no storm window is open; feeding it another "off"
 * verdict changes no state and emits nothing. Some rule types (threshold) say when their verdict is "off" from one
 * signal alone: exactly while that signal's value lies inside an open interval, their `offBand`.
 *
 * Per vehicle and trigger list (sensor x signal), the engine keeps the intersection of the off bands of the list's
 * settled-off rules. A fresh value strictly inside it leaves all of them as they are, so only the other rules of the
 * list are evaluated. A band is dropped as soon as any rule it watches enters or leaves the settled-off state; the
 * next reading evaluates the whole list and builds it again. Skipping is exact: an engine with it off gives the same
 * messages (tested).
 */

/** The values of one signal for which a rule's verdict is "off", whatever else is true: lo < value < hi. */
export interface OffBand {
  signal: string;
  lo: number;
  hi: number;
}

export interface QuietBand<R> {
  lo: number;
  hi: number;
  /** Rules of the list still to evaluate while a value stays inside the band, in list order. */
  rest: R[];
  /** Rules the band lets a reading skip. */
  skipped: number;
  valid: boolean;
}

/** A rule's runtime on one vehicle, as far as bands care. */
export interface BandWatcher {
  /** Settled off (and so skippable) as of its last evaluation. */
  quiet: boolean;
  /** Bands built while this rule was watched; all are dropped when `quiet` changes. */
  bands: QuietBand<unknown>[];
}

export const newBand = <R>(): QuietBand<R> => ({ lo: -Infinity, hi: Infinity, rest: [], skipped: 0, valid: true });

export const inBand = (b: QuietBand<unknown>, value: number): boolean => b.valid && value > b.lo && value < b.hi;

/** Adds a settled-off rule's band to `b`. */
export function narrow(b: QuietBand<unknown>, off: OffBand): void {
  if (off.lo > b.lo) b.lo = off.lo;
  if (off.hi < b.hi) b.hi = off.hi;
  b.skipped++;
}

/** `w` will drop `b` when its state changes. Bands `w` already dropped are forgotten here, so the list stays short. */
export function watch(w: BandWatcher, b: QuietBand<unknown>): void {
  if (w.bands.length > 0) w.bands = w.bands.filter((x) => x.valid);
  w.bands.push(b);
}

/** Records `w`'s state after an evaluation; a change drops every band that relied on the old one. */
export function settle(w: BandWatcher, quiet: boolean): void {
  if (w.quiet === quiet) return;
  w.quiet = quiet;
  for (const b of w.bands) b.valid = false;
  w.bands.length = 0;
}
