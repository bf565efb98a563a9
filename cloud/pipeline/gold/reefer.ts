/**
 * Reefer compliance for one vehicle-day. Each temperature reading holds until the next one, at most three typical
 * intervals of its signal and never more than holdMaxS (holdFor); the setpoint, defrost and door states hold until
 * their next reading within the day. Monitoring is suspended while defrost is on and defrostGraceS after.
 * Out of range: any reefer temperature differs from the setpoint by more than toleranceC. An excursion is a
 * continuous out-of-range stretch of at least excursionMinS. Door-open time: the door signal held true.
 */
import type { DaySeries } from './day-series.ts';
import type { GoldSettings } from './gold-settings.ts';
import { durationWhere, holdFor, intervalsWhere, type Sample, type Series } from './step-series.ts';
import type { ReeferRow } from './types.ts';

const FOREVER = Number.MAX_SAFE_INTEGER;

/** A boolean series that is true during defrost and for graceMs after each defrost ends. */
export function suspensionSeries(defrost: Sample<boolean>[], graceMs: number, start: number, end: number): Series<boolean> {
  const on = intervalsWhere(start, end, [{ samples: defrost, maxHoldMs: FOREVER }] as const, ([d]) => d === true);
  const merged: [number, number][] = [];
  for (const [a, b] of on) {
    const last = merged[merged.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b + graceMs);
    else merged.push([a, b + graceMs]);
  }
  const samples: Sample<boolean>[] = [];
  for (const [a, b] of merged) samples.push({ t: a, v: true }, { t: b, v: false });
  return { samples, maxHoldMs: FOREVER };
}

export function computeReefer(series: DaySeries, dayStart: number, dayEnd: number, s: GoldSettings): ReeferRow | null {
  const temps = [...series.reeferTemps.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  if (temps.length === 0 && series.door.length === 0) return null;
  const holdMs = s.holdMaxS * 1000;
  const tol = s.reefer.toleranceC;
  const suspended = suspensionSeries(series.defrost, s.reefer.defrostGraceS * 1000, dayStart, dayEnd);
  const all: Series<number | boolean>[] = [
    { samples: series.setpoint, maxHoldMs: FOREVER },
    suspended,
    ...temps.map((samples) => ({ samples, maxHoldMs: holdFor(samples, holdMs) })),
  ];
  const monitored = (v: readonly (number | boolean | undefined)[]): boolean => {
    if (typeof v[0] !== 'number' || v[1] === true) return false;
    for (let i = 2; i < v.length; i++) if (typeof v[i] === 'number') return true;
    return false;
  };
  const out = (v: readonly (number | boolean | undefined)[]): boolean => {
    if (!monitored(v)) return false;
    const sp = v[0] as number;
    for (let i = 2; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'number' && Math.abs(x - sp) > tol) return true;
    }
    return false;
  };
  const monitoredMs = durationWhere(dayStart, dayEnd, all, monitored);
  const outIntervals = intervalsWhere(dayStart, dayEnd, all, out);
  const outMs = outIntervals.reduce((acc, [a, b]) => acc + (b - a), 0);
  const excursions = outIntervals.filter(([a, b]) => b - a >= s.reefer.excursionMinS * 1000).length;
  const doorMs = durationWhere(dayStart, dayEnd, [{ samples: series.door, maxHoldMs: FOREVER }] as const, ([d]) => d === true);
  let minTempC: number | null = null;
  let maxTempC: number | null = null;
  for (const list of temps)
    for (const { v } of list) {
      minTempC = minTempC === null ? v : Math.min(minTempC, v);
      maxTempC = maxTempC === null ? v : Math.max(maxTempC, v);
    }
  // A folded window's mean sits between its extremes: the extremes decide.
  for (const [signal, e] of series.extremes)
    if (series.reeferTemps.has(signal)) {
      minTempC = minTempC === null ? e.min : Math.min(minTempC, e.min);
      maxTempC = maxTempC === null ? e.max : Math.max(maxTempC, e.max);
    }
  return {
    monitoredMin: monitoredMs / 60_000,
    outOfRangeMin: outMs / 60_000,
    excursions,
    doorOpenMin: doorMs / 60_000,
    minTempC,
    maxTempC,
  };
}
