import { describe, it, expect } from 'vitest';
import { applyMergePatch, diffMergePatch, stripReserved, deepEqual, type JsonObject } from './json-merge.ts';

describe('merge patches', () => {
  it('merges objects, deletes nulls, replaces the rest', () => {
    const t = { a: 1, b: { c: 2, d: 3 }, e: [1, 2] };
    expect(applyMergePatch(t, { a: null, b: { c: null, x: 1 }, e: [3] })).toEqual({ b: { d: 3, x: 1 }, e: [3] });
    expect(t).toEqual({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] });
  });

  it('drops reserved $ keys from patches', () => {
    expect(stripReserved({ $version: 3, $metadata: {}, a: 1 })).toEqual({ a: 1 });
  });

  const cases: [JsonObject, JsonObject][] = [
    [{}, { a: 1 }],
    [{ a: 1, b: 2 }, { b: 2 }],
    [{ a: { x: 1, y: 2 } }, { a: { x: 1 } }],
    [{ a: 1 }, { a: { x: 1 } }],
    [{ a: { x: 1 } }, { a: 5 }],
    [{ a: [1, 2] }, { a: [1, 2, 3] }],
    [{ a: { b: { c: 1 } } }, { a: { b: { c: 1 } }, d: null as never }],
  ];
  it.each(cases)('diff(%j -> %j) applied to the source gives the target', (from, to) => {
    const clean = applyMergePatch({}, to);
    expect(applyMergePatch(from, diffMergePatch(from, clean))).toEqual(clean);
  });

  it('an unchanged document diffs to nothing', () => {
    expect(diffMergePatch({ a: { b: [1] } }, { a: { b: [1] } })).toEqual({});
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
  });
});
