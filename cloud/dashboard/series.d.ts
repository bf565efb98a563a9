/** Types of series.js for the tests that import it. */
export interface SeriesPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
  n?: number;
}
export function withRollups(points: SeriesPoint[], rollups: SeriesPoint[]): Array<{ t: number; v: number; min: number; max: number }>;
