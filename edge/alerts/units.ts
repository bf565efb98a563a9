/**
 * Converts numeric readings to the canonical units the rules are written in (km/h, C, kPa, m/s2), so a sensor that
 * reports mph or g still meets the documented thresholds. Units not listed are taken as already canonical.
 */
const G = 9.80665;

const CONVERT: ReadonlyMap<string, (x: number) => number> = new Map<string, (x: number) => number>([
  ['g', (x) => x * G],
  ['mph', (x) => x * 1.609344],
  ['m/s', (x) => x * 3.6],
  ['kn', (x) => x * 1.852],
  ['knots', (x) => x * 1.852],
  ['F', (x) => ((x - 32) * 5) / 9],
  ['°F', (x) => ((x - 32) * 5) / 9],
  ['degF', (x) => ((x - 32) * 5) / 9],
  ['K', (x) => x - 273.15],
  ['bar', (x) => x * 100],
  ['psi', (x) => x * 6.894757293168],
  ['mV', (x) => x / 1000],
]);

export function toCanonical(value: number, unit: string): number {
  const f = CONVERT.get(unit);
  return f ? f(value) : value;
}

/** Standard gravity, for thresholds written in g. */
export const STANDARD_GRAVITY = G;
