/**
 * Traffic as a speed factor on the limit: a slow random drift (mean-reverting), plus jams that come more
 * often at rush hour and bring stop-and-go. The factor changes smoothly, so braking into a jam stays gentle.
 */
import type { Prng } from './prng.ts';
import type { RoadClass } from './road-map.ts';

/** Central European Time (UTC+1); daylight saving is ignored. */
export function localHour(simMs: number): number {
  return (((simMs / 3_600_000 + 1) % 24) + 24) % 24;
}

export function isRushHour(simMs: number): boolean {
  const h = localHour(simMs);
  return (h >= 7 && h < 9) || (h >= 16 && h < 18);
}

const MEAN_FACTOR: Record<RoadClass, number> = { motorway: 0.98, primary: 0.92, urban: 0.82, yard: 0.9 };
/** Jams per km driven. */
const JAM_RATE_PER_KM: Record<RoadClass, { rush: number; normal: number }> = {
  motorway: { rush: 0.03, normal: 0.006 },
  primary: { rush: 0.02, normal: 0.005 },
  urban: { rush: 0.02, normal: 0.008 },
  yard: { rush: 0, normal: 0 },
};

export class TrafficModel {
  private drift = 0;
  private smooth = 1;
  private jamUntil = -Infinity;
  private jamPeriodS = 60;
  private jamStart = 0;

  constructor(private readonly rng: Prng) {}

  get inJam(): boolean {
    return this.smooth < 0.5;
  }

  /** Advances by dtS seconds over movedM metres of road of class `cls`; returns the factor to apply to the limit. */
  step(dtS: number, simMs: number, cls: RoadClass, movedM: number): number {
    // Ornstein-Uhlenbeck drift, time constant one minute.
    this.drift += (-this.drift / 60) * dtS + 0.04 * Math.sqrt(2 / 60) * Math.sqrt(dtS) * this.rng.normal();
    const rate = JAM_RATE_PER_KM[cls][isRushHour(simMs) ? 'rush' : 'normal'];
    if (simMs >= this.jamUntil && this.rng.chance(rate * (movedM / 1000))) {
      this.jamStart = simMs;
      this.jamUntil = simMs + this.rng.range(2, 12) * 60_000;
      this.jamPeriodS = this.rng.range(40, 90);
    }
    let target = Math.min(1.03, MEAN_FACTOR[cls] + this.drift);
    if (simMs < this.jamUntil) {
      // Stop-and-go: the queue moves in waves and now and then stands still.
      const phase = ((simMs - this.jamStart) / 1000 / this.jamPeriodS) * 2 * Math.PI;
      target = Math.max(0, 0.15 + 0.25 * Math.sin(phase));
    }
    this.smooth += (target - this.smooth) * Math.min(1, dtS / 12);
    // Below walking pace the queue simply stands.
    return this.smooth < 0.03 ? 0 : this.smooth;
  }
}
