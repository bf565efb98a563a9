import { describe, expect, it } from 'vitest';
import { withRollups } from './series.js';

describe('withRollups (dashboard charts)', () => {
  it('merges rollups into the points by bucket, the mean weighted by the readings each stands for', () => {
    const points = [{ t: 0, avg: 4, min: 4, max: 4, n: 1 }, { t: 600, avg: 10, min: 9, max: 11, n: 2 }];
    const rollups = [{ t: 0, avg: 2, min: 1, max: 5, n: 3 }, { t: 1200, avg: 7, min: 6, max: 8, n: 100 }];
    expect(withRollups(points, rollups)).toEqual([
      { t: 0, v: 2.5, min: 1, max: 5 },
      { t: 600, v: 10, min: 9, max: 11 },
      { t: 1200, v: 7, min: 6, max: 8 },
    ]);
  });

  it('draws an outage with rollups only, and plain points without any', () => {
    expect(withRollups([], [{ t: 5, avg: 3, min: 1, max: 4, n: 9 }])).toEqual([{ t: 5, v: 3, min: 1, max: 4 }]);
    expect(withRollups([{ t: 5, avg: 3, min: 3, max: 3 }], [])).toEqual([{ t: 5, v: 3, min: 3, max: 3 }]);
  });
});
