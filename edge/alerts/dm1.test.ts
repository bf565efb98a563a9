import { describe, expect, it } from 'vitest';
import { parseDm1 } from './dm1.ts';

describe('parseDm1', () => {
  it('reads SPN:FMI:LAMP with an optional occurrence count', () => {
    expect(parseDm1('110:0:red:3, 100:1:AMBER')).toEqual([
      { spn: 110, fmi: 0, lamp: 'red', occurrences: 3 },
      { spn: 100, fmi: 1, lamp: 'amber', occurrences: null },
    ]);
  });

  it('empty or "none" means no active code', () => {
    expect(parseDm1('')).toEqual([]);
    expect(parseDm1('  none ')).toEqual([]);
  });

  it('skips malformed entries but keeps the good ones', () => {
    expect(parseDm1('abc,110:0:blue,524288:1:red,110:32:red,96:2:protect,1:2')).toEqual([
      { spn: 96, fmi: 2, lamp: 'protect', occurrences: null },
    ]);
  });
});
