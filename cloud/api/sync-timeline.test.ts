import { describe, expect, it } from 'vitest';
import { syncPeriods } from './sync-timeline.ts';

const M = 60_000;

describe('sync periods', () => {
  it('finds offline stretches and closes them at the next online status', () => {
    const pts = [
      { t: 0, connectivity: 'online' },
      { t: M, connectivity: 'offline' },
      { t: 2 * M, connectivity: 'offline' },
      { t: 3 * M, connectivity: 'online' },
      { t: 4 * M, connectivity: 'connecting' },
    ];
    expect(syncPeriods(pts)).toEqual([
      { kind: 'offline', fromMs: M, toMs: 3 * M },
      { kind: 'connecting', fromMs: 4 * M, toMs: 4 * M },
    ]);
  });

  it('marks silences far longer than the usual interval', () => {
    const pts = [0, 1, 2, 3, 30, 31].map((m) => ({ t: m * M, connectivity: 'online' }));
    expect(syncPeriods(pts)).toEqual([{ kind: 'silent', fromMs: 3 * M, toMs: 30 * M }]);
  });

  it('orders its input and copes with none', () => {
    expect(syncPeriods([])).toEqual([]);
    expect(syncPeriods([{ t: 2 * M, connectivity: 'online' }, { t: M, connectivity: 'paused' }])).toEqual([{ kind: 'paused', fromMs: M, toMs: 2 * M }]);
  });
});
