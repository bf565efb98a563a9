/**
 * Unit normalisation for Silver: every numeric reading (and rollup) is stored in one canonical unit per dimension,
 * so Gold never has to guess. Conversion factors are exact definitions (NIST SP 811) except where noted. Units not
 * listed pass through unchanged (rpm, %, V, ...).
 */

export type Dimension = 'temperature' | 'speed' | 'acceleration' | 'distance' | 'volume' | 'pressure' | 'flow' | 'duration';

interface Conversion {
  dimension: Dimension;
  canonical: string;
  convert: (v: number) => number;
}

const id = (v: number): number => v;

/** Lower-cased, trimmed unit spelling -> conversion into the canonical unit. */
const CONVERSIONS: ReadonlyMap<string, Conversion> = new Map<string, Conversion>(
  (
    [
      // temperature -> C
      [['c', '°c', 'degc', 'celsius'], 'temperature', 'C', id],
      [['f', '°f', 'degf', 'fahrenheit'], 'temperature', 'C', (v: number) => ((v - 32) * 5) / 9],
      [['k', 'kelvin'], 'temperature', 'C', (v: number) => v - 273.15],
      // speed -> km/h
      [['km/h', 'kmh', 'kph'], 'speed', 'km/h', id],
      [['mph', 'mi/h'], 'speed', 'km/h', (v: number) => v * 1.609344],
      [['m/s'], 'speed', 'km/h', (v: number) => v * 3.6],
      [['kn', 'kt', 'knot', 'knots'], 'speed', 'km/h', (v: number) => v * 1.852],
      // acceleration -> m/s2 (standard gravity 9.80665 m/s2)
      [['m/s2', 'm/s^2', 'm/s²'], 'acceleration', 'm/s2', id],
      [['g'], 'acceleration', 'm/s2', (v: number) => v * 9.80665],
      // distance -> km (odometers); plain metres stay metres (altitude, lengths)
      [['km'], 'distance', 'km', id],
      [['mi', 'mile', 'miles'], 'distance', 'km', (v: number) => v * 1.609344],
      // volume -> L (US gallon)
      [['l', 'litre', 'liter', 'litres', 'liters'], 'volume', 'L', id],
      [['gal', 'gallon', 'gallons', 'usgal'], 'volume', 'L', (v: number) => v * 3.785411784],
      // pressure -> kPa
      [['kpa'], 'pressure', 'kPa', id],
      [['psi'], 'pressure', 'kPa', (v: number) => v * 6.894757293168],
      [['bar'], 'pressure', 'kPa', (v: number) => v * 100],
      // fuel flow -> L/h
      [['l/h', 'lph'], 'flow', 'L/h', id],
      [['gal/h', 'gph'], 'flow', 'L/h', (v: number) => v * 3.785411784],
      // hour counters (engine hours); seconds and minutes stay as sent, they are durations of other things
      [['h', 'hr', 'hrs', 'hours'], 'duration', 'h', id],
    ] as const
  ).flatMap(([names, dimension, canonical, convert]) => names.map((n) => [n, { dimension, canonical, convert }] as const)),
);

/** How to store values sent in one unit. */
export interface UnitNormalisation {
  /** The canonical unit, or the unit as sent when it has none. */
  unit: string;
  /** The unit as sent, when it differed from the canonical one. */
  fromUnit: string | null;
  dimension: Dimension | undefined;
  /** Affine with a positive scale (or the identity): it keeps order, and maps a mean to the mean of the mapped values. */
  convert: (v: number) => number;
}

// Units as sent repeat endlessly: one normalisation per spelling, none per value.
const seen = new Map<string, UnitNormalisation>();

/** The canonical unit of a unit as sent and the conversion into it; unknown units pass through. */
export function normalisationOf(unit: string): UnitNormalisation {
  let n = seen.get(unit);
  if (n === undefined) {
    const c = CONVERSIONS.get(unit.trim().toLowerCase());
    n = c === undefined
      ? { unit, fromUnit: null, dimension: undefined, convert: id }
      : { unit: c.canonical, fromUnit: unit === c.canonical ? null : unit, dimension: c.dimension, convert: c.convert };
    if (seen.size < 10_000) seen.set(unit, n);
  }
  return n;
}
