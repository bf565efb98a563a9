import { describe, it, expect } from 'vitest';
import { Prng } from './prng.ts';

describe('Prng', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(xs);
  });

  it('gives forks that depend on the label and seed, not on how much the parent drew', () => {
    const a = new Prng('s');
    const b = new Prng('s');
    b.next();
    b.next();
    expect(a.fork('engine').next()).toBe(b.fork('engine').next());
    expect(a.fork('engine').next()).not.toBe(a.fork('gps').next());
  });

  it('stays within its ranges', () => {
    const r = new Prng(1);
    for (let i = 0; i < 2000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const n = r.int(3, 5);
      expect([3, 4, 5]).toContain(n);
      expect(r.exponential(10)).toBeGreaterThanOrEqual(0);
    }
  });

  it('draws normals with about the right mean and spread', () => {
    const r = new Prng(2);
    const xs = Array.from({ length: 20000 }, () => r.normal(5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd).toBeGreaterThan(1.9);
    expect(sd).toBeLessThan(2.1);
  });
});
