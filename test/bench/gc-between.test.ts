import { describe, expect, it } from 'vitest';
import { gcBetween, type Usage } from '../../bench/suites/edge-procs.ts';

const usage = (gc: Usage['gc']): Usage => ({ cpuUs: 0, rssBytes: 0, rssAnonBytes: null, heapTotalBytes: 0, externalBytes: 0, gc });

describe('GC pauses between two usage reads of a broker child', () => {
  it('reports the pauses in the window and the longest one the later read saw', () => {
    const before = usage({ count: 10, totalMs: 40, over5Ms: 1, maxMsSinceLastRead: 30 });
    const after = usage({ count: 35, totalMs: 101.4, over5Ms: 4, maxMsSinceLastRead: 12.25 });
    expect(gcBetween(before, after)).toBe('25 GC pauses, 61 ms in all, 3 over 5 ms, longest 12.3 ms');
  });
});
