import { describe, expect, it } from 'vitest';
import { Drive } from '../test-kit.ts';

const fuel = {
  id: 'fuel_drop',
  type: 'rate',
  signal: 'fuel_level',
  delta: 5,
  windowS: 600,
  when: { signal: 'wheel_speed', op: '<=', value: 0 },
};

/** Fuel readings every 30 s, linearly from `from` to `to` over `ms`, speed 0 unless given. */
function fuelRamp(d: Drive, from: number, to: number, ms: number, speed = 0): void {
  const steps = ms / 30_000;
  for (let i = 0; i <= steps; i++) {
    d.read('wheel_speed', speed);
    d.read('fuel_level', from + ((to - from) * i) / steps);
    d.tick();
    if (i < steps) d.t += 30_000;
  }
}

describe('rate rule (fuel drop while parked)', () => {
  it('raises on a drop of exactly delta within the window', () => {
    const d = new Drive([fuel]);
    fuelRamp(d, 80, 75, 300_000);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 5, threshold: 5, signal: 'fuel_level' });
  });

  it('a slow drop spread over more than the window does not raise', () => {
    const d = new Drive([fuel]);
    fuelRamp(d, 80, 72, 1_800_000); // 8 % in 30 min = 2.7 % per 10 min
    expect(d.all).toEqual([]);
  });

  it('only change while parked counts: driving empties the window', () => {
    const d = new Drive([fuel]);
    fuelRamp(d, 80, 77, 240_000, 50); // consumption while driving
    fuelRamp(d, 77, 74, 240_000, 0); // 3 % while parked
    expect(d.all).toEqual([]);
  });

  it('clears when the drop slides out of the window, and when the truck moves', () => {
    const d = new Drive([{ ...fuel, cooldownS: 0 }]);
    fuelRamp(d, 80, 70, 60_000);
    fuelRamp(d, 70, 70, 660_000);
    const lifecycle = (): string[] => d.states().filter((s) => s !== 'updated');
    expect(lifecycle()).toEqual(['raised', 'cleared']);
    fuelRamp(d, 70, 60, 60_000);
    d.read('wheel_speed', 20);
    expect(lifecycle()).toEqual(['raised', 'cleared', 'raised', 'cleared']);
  });

  it('rise direction', () => {
    const d = new Drive([{ id: 'rise', type: 'rate', signal: 'cargo_temp', direction: 'rise', delta: 4, windowS: 300 }]);
    d.read('cargo_temp', 2);
    d.t += 60_000;
    d.read('cargo_temp', 1);
    d.t += 60_000;
    d.read('cargo_temp', 5.5);
    expect(d.all[0]).toMatchObject({ state: 'raised', value: 4.5 });
  });

  it('re-evaluations without a new sample do not add samples', () => {
    const d = new Drive([{ ...fuel, when: undefined, windowS: 60 }]);
    d.read('fuel_level', 80);
    d.t += 30_000;
    d.read('fuel_level', 74);
    d.advance(120_000); // 80 slides out; 74 stays the only sample
    expect(d.states()).toEqual(['raised', 'cleared']);
  });
});

describe('rate rule over a long, chatty window', () => {
  it('keeps the window right after its sample arrays are compacted (thousands of expired samples)', () => {
    // A falling signal every 10 ms keeps every sample in the window (nothing is ever the new maximum), so samples
    // only leave by expiry and the arrays are compacted every 1024 of them.
    const d = new Drive([{ id: 'drop', type: 'rate', signal: 'level', delta: 3, windowS: 10, cooldownS: 0 }]);
    let v = 1000;
    for (let k = 0; k < 5000; k++) {
      d.read('level', v);
      d.t += 10;
      v -= 0.0001;
    }
    // Over the last 10 s the level fell 0.1; a further fall of 2.85 makes 2.95 (< 3), of 2.95 makes 3.05.
    d.read('level', v - 2.85);
    expect(d.all).toEqual([]);
    d.t += 10;
    d.read('level', v - 2.95);
    expect(d.all).toHaveLength(1);
    expect(d.all[0]!.value).toBeCloseTo(3.05, 2);
  });
});
