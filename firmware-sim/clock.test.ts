import { describe, it, expect } from 'vitest';
import { SimClock, targetSimTime } from './clock.ts';

describe('SimClock', () => {
  it('steps in fixed ticks and calls listeners and timers in simulated time', () => {
    const clock = new SimClock({ startMs: 1000, speedup: 60, tickMs: 100 });
    const ticks: number[] = [];
    const fired: number[] = [];
    const off = clock.onTick((now, dt) => {
      expect(dt).toBe(100);
      ticks.push(now);
    });
    clock.at(1250, () => fired.push(clock.now));
    clock.advance(3);
    expect(ticks).toEqual([1100, 1200, 1300]);
    expect(fired).toEqual([1300]);
    off();
    clock.advanceTo(2000);
    expect(clock.now).toBe(2000);
    expect(ticks).toHaveLength(3);
  });

  it('stops at its end time and resolves finished()', async () => {
    const clock = new SimClock({ startMs: 0, speedup: 100, tickMs: 100, endMs: 1000 });
    let n = 0;
    clock.onTick(() => n++);
    const done = clock.finished();
    clock.advance(50);
    await done;
    expect(clock.now).toBe(1000);
    expect(n).toBe(10);
    expect(clock.ended).toBe(true);
  });

  it('follows real time at its speedup until the end, never skipping a tick', async () => {
    // 2 simulated seconds at 100x: about 20 ms of real time.
    const clock = new SimClock({ startMs: 0, speedup: 100, tickMs: 100, endMs: 2000 });
    const seen: number[] = [];
    clock.onTick((now) => seen.push(now));
    clock.start();
    await clock.finished();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 100));
    expect(clock.isRunning).toBe(false);
  });

  it('never runs past notAfter: a clock that starts in the past catches up with it, then follows it', async () => {
    // 1000x from 3 simulated seconds before the cap: caught up within a few real ms, then held at the cap.
    let cap = 3000;
    const clock = new SimClock({ startMs: 0, speedup: 1000, tickMs: 100, notAfter: () => cap });
    const reaches = async (t: number): Promise<void> => {
      for (let i = 0; i < 500 && clock.now < t; i++) await new Promise((r) => setTimeout(r, 10));
    };
    clock.start();
    await reaches(3000);
    await new Promise((r) => setTimeout(r, 30));
    expect(clock.now).toBe(3000);
    expect(clock.following).toBe(true);
    expect(clock.lagMs).toBe(0);
    cap = 3500;
    await reaches(3500);
    await new Promise((r) => setTimeout(r, 30));
    expect(clock.now).toBe(3500);
    clock.stop();
  });

  it('computes where simulated time should be', () => {
    expect(targetSimTime(1000, 144, 10_000)).toBe(1000 + 1_440_000);
  });
});
