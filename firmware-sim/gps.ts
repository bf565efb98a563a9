/**
 * A GNSS receiver's fixes: the true position plus a slowly wandering error (a few metres, as multipath and
 * atmosphere drift) and a little jitter; speed and heading from Doppler, held at standstill (static hold,
 * so a parked truck reads 0 km/h); altitude, HDOP and satellite count that vary plausibly.
 */
import type { Prng } from './prng.ts';
import { offsetM } from './geo.ts';
import type { MotionState } from './motion.ts';

export interface GpsFix {
  lat: number;
  lon: number;
  speedKmh: number;
  heading: number;
  altitude: number;
  hdop: number;
  satellites: number;
}

const round = (x: number, step: number): number => Math.round(x / step) * step;
const roundTo = (x: number, decimals: number): number => Number(x.toFixed(decimals));

export class GpsModel {
  private errN = 0;
  private errE = 0;
  private errU = 0;
  private hdop = 0.9;
  private sats = 10;
  private heading = 0;
  private lastT: number | null = null;

  constructor(private readonly rng: Prng) {}

  fix(m: MotionState): GpsFix {
    const dtS = this.lastT === null ? 1 : Math.max(0.001, (m.t - this.lastT) / 1000);
    this.lastT = m.t;
    // Ornstein-Uhlenbeck position error: 2 m standard deviation, one-minute memory.
    const k = Math.min(1, dtS / 60);
    const sd = 2 * Math.sqrt(2 * k);
    this.errN += -this.errN * k + this.rng.normal(0, sd);
    this.errE += -this.errE * k + this.rng.normal(0, sd);
    this.errU += -this.errU * k + this.rng.normal(0, sd * 1.5);
    this.hdop = Math.min(4, Math.max(0.6, this.hdop + (0.9 - this.hdop) * k + this.rng.normal(0, 0.05)));
    if (this.rng.chance(0.02)) this.sats = Math.min(14, Math.max(5, this.sats + this.rng.pick([-1, 1])));
    const jitter = 0.5 * this.hdop;
    const p = offsetM(m, this.errN + this.rng.normal(0, jitter), this.errE + this.rng.normal(0, jitter));
    const moving = m.speedMs > 0.3;
    if (moving) this.heading = (m.headingDeg + this.rng.normal(0, 0.8) + 360) % 360;
    return {
      lat: roundTo(p.lat, 6),
      lon: roundTo(p.lon, 6),
      speedKmh: moving ? roundTo(Math.max(0, m.speedMs * 3.6 + this.rng.normal(0, 0.3)), 1) : 0,
      heading: roundTo(this.heading, 1),
      // The Randstad lies around sea level; the receiver's vertical error is larger than the horizontal.
      altitude: roundTo(round(1 + this.errU + this.rng.normal(0, 1), 0.1), 1),
      hdop: roundTo(this.hdop, 1),
      satellites: this.sats,
    };
  }
}
