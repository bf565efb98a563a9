/**
 * Trip and stop detection over one vehicle-day of positions, after Traccar's documented rules:
 *  - a position is "in motion" when its speed is above the motion threshold (0.01 knots);
 *  - a trip starts at the first position in motion and ends at the first position of a standstill that then
 *    lasts at least minParkingS, or at the last position before a data gap longer than maxGapS;
 *  - a trip counts only with at least minTripDistanceM OR at least minTripDurationS; shorter ones are dropped and
 *    their time belongs to the surrounding stop;
 *  - a stop is the time between trips (and before the first / after the last) of at least minParkingS.
 * Days are UTC days: a trip running through midnight becomes two trips, one on each day.
 */
import { haversineM } from './geo.ts';
import type { GoldSettings } from './gold-settings.ts';
import type { GoldPosition } from './types.ts';

export interface TripSpan {
  /** Index of the first and last position of the trip. */
  start: number;
  end: number;
  distanceM: number;
}

export interface StopSpan {
  startMs: number;
  endMs: number;
  /** Where the vehicle stood: the position the stop began at. */
  at: number;
}

/** Distance along positions [from..to] (indices, inclusive). */
export function pathM(positions: GoldPosition[], from: number, to: number): number {
  let d = 0;
  for (let i = from + 1; i <= to; i++) {
    const a = positions[i - 1]!;
    const b = positions[i]!;
    d += haversineM(a.lat, a.lon, b.lat, b.lon);
  }
  return d;
}

export function detectTrips(
  positions: GoldPosition[],
  speeds: number[],
  s: Pick<GoldSettings, 'motionSpeedKmh' | 'minTripDistanceM' | 'minTripDurationS' | 'minParkingS' | 'maxGapS'>,
): TripSpan[] {
  const trips: TripSpan[] = [];
  const parkMs = s.minParkingS * 1000;
  const gapMs = s.maxGapS * 1000;
  let start = -1;
  let standstill = -1;
  const finish = (end: number): void => {
    const distanceM = pathM(positions, start, end);
    const durationMs = positions[end]!.t - positions[start]!.t;
    if (distanceM >= s.minTripDistanceM || durationMs >= s.minTripDurationS * 1000) trips.push({ start, end, distanceM });
    start = -1;
    standstill = -1;
  };
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (start >= 0 && i > 0 && p.t - positions[i - 1]!.t > gapMs) finish(standstill >= 0 ? standstill : i - 1);
    const moving = speeds[i]! > s.motionSpeedKmh;
    if (start < 0) {
      if (moving) start = i;
      continue;
    }
    if (moving) {
      standstill = -1;
      continue;
    }
    if (standstill < 0) standstill = i;
    if (p.t - positions[standstill]!.t >= parkMs) finish(standstill);
  }
  if (start >= 0) finish(standstill >= 0 ? standstill : positions.length - 1);
  return trips;
}

/** Stops between trips (and around them) of at least minParkingS, within the day's positions. */
export function detectStops(positions: GoldPosition[], trips: TripSpan[], minParkingS: number): StopSpan[] {
  const first = positions[0];
  const last = positions[positions.length - 1];
  if (first === undefined || last === undefined) return [];
  const stops: StopSpan[] = [];
  const add = (startMs: number, endMs: number, at: number): void => {
    if (endMs - startMs >= minParkingS * 1000) stops.push({ startMs, endMs, at });
  };
  let cursorMs = first.t;
  let cursorAt = 0;
  for (const trip of trips) {
    add(cursorMs, positions[trip.start]!.t, cursorAt);
    cursorMs = positions[trip.end]!.t;
    cursorAt = trip.end;
  }
  add(cursorMs, last.t, cursorAt);
  return stops;
}
