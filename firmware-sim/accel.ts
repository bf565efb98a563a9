/**
 * A cab-mounted accelerometer: x forward, y to the left (ISO 8855), m/s2, without gravity. It reads the truck's
 * real longitudinal and lateral acceleration plus a small mounting bias and road vibration. A harsh swerve
 * (scenario) adds a short lateral pulse on top; harsh braking needs nothing here, it comes from the speed itself.
 */
import type { Prng } from './prng.ts';
import type { MotionState } from './motion.ts';

export interface Swerve {
  peakMs2: number;
  durationS: number;
  /** +1 to the left, -1 to the right. */
  side: 1 | -1;
  startedAt: number | null;
}

export class AccelModel {
  x = 0;
  y = 0;
  private readonly biasX: number;
  private readonly biasY: number;
  swerve: Swerve | null = null;

  constructor(private readonly rng: Prng) {
    this.biasX = rng.normal(0, 0.04);
    this.biasY = rng.normal(0, 0.04);
  }

  /** Asks for a harsh lateral pulse as soon as the truck drives above 25 km/h. */
  requestSwerve(peakMs2: number, durationS: number): Swerve {
    this.swerve = { peakMs2, durationS, side: this.rng.chance(0.5) ? 1 : -1, startedAt: null };
    return this.swerve;
  }

  step(m: MotionState): void {
    const kmh = m.speedMs * 3.6;
    const vib = m.speedMs > 0 ? 0.05 + 0.0015 * kmh : m.ignition ? 0.03 : 0.005;
    let pulse = 0;
    const sw = this.swerve;
    if (sw) {
      if (sw.startedAt === null && kmh > 25) sw.startedAt = m.t;
      if (sw.startedAt !== null) {
        const el = (m.t - sw.startedAt) / 1000;
        if (el >= sw.durationS) this.swerve = null;
        // Half a sine wave, flattened at the top: a quick swerve held for most of its length.
        else pulse = sw.side * sw.peakMs2 * Math.min(1, 1.6 * Math.sin((Math.PI * el) / sw.durationS));
      }
    }
    this.x = m.accelMs2 + this.biasX + this.rng.normal(0, vib);
    this.y = m.lateralMs2 + this.biasY + pulse + this.rng.normal(0, vib);
  }
}
