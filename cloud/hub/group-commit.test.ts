import { describe, it, expect } from 'vitest';
import { GroupCommitter } from './group-commit.ts';

describe('group commit', () => {
  it('writes a lone item at once and batches what arrives during a write, resolving in order', async () => {
    const batches: number[][] = [];
    let release: (() => void) | undefined;
    const gc = new GroupCommitter<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const order: number[] = [];
    const all = [1, 2, 3, 4].map((n) => gc.submit(n).then(() => order.push(n)));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    release?.();
    await Promise.all(all);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('fails only the batch whose write failed', async () => {
    let n = 0;
    const gc = new GroupCommitter<string>(async () => {
      if (n++ === 0) throw new Error('disk full');
    });
    const a = gc.submit('a');
    await expect(a).rejects.toThrow('disk full');
    await expect(gc.submit('b')).resolves.toBeUndefined();
    await gc.drain();
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommitter<number>(async (items) => {
      sizes.push(items.length);
    }, 3);
    await Promise.all(Array.from({ length: 8 }, (_, i) => gc.submit(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(8);
  });
});
