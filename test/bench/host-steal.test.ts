import { describe, expect, it } from 'vitest';
import { stealTicks } from '../../bench/host-steal.ts';

describe('host CPU steal from /proc/stat', () => {
  it('reads the steal field of the all-CPU line', () => {
    const stat = 'cpu  3146887 4851 551005 3630993 109027 0 59923 20369 0 0\ncpu0 1 2 3 4 5 6 7 99 0 0\nintr 1\n';
    expect(stealTicks(stat)).toBe(20369);
  });

  it('gives null for a kernel that does not report steal, rather than a wrong figure', () => {
    expect(stealTicks('cpu  1 2 3 4 5 6 7\n')).toBeNull();
    expect(stealTicks('intr 1\n')).toBeNull();
  });
});
