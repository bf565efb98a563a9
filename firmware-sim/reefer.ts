/**
 * A refrigeration unit on the trailer. The box air (read at the return) leaks towards ambient, faster with the
 * door open; the unit blows cold supply air to hold the setpoint; defrost cycles heat the evaporator for
 * twenty minutes every few hours (supply air warm, flagged); a failed compressor lets the air warm up.
 * In normal running supply and return stay within about 2.5 C of the setpoint, outside defrost and its pull-down.
 */
import type { Prng } from './prng.ts';

export interface ReeferOptions {
  setpointC: number;
  ambientC: number;
  /** Hours of running between defrost cycles. */
  defrostEveryH: number;
}

const MIN_MS = 60_000;

export class ReeferModel {
  readonly setpointC: number;
  boxC: number;
  supplyC: number;
  defrost = false;
  /** Set by a scenario: the compressor has stopped. */
  failed = false;
  private defrostUntil = -Infinity;
  private nextDefrostAt: number;
  readonly defrosts: { start: number; end: number }[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly opts: ReeferOptions,
    startMs: number,
  ) {
    this.setpointC = opts.setpointC;
    this.boxC = opts.setpointC + rng.normal(0, 0.3);
    this.supplyC = opts.setpointC - 0.5;
    // Units are out of phase across the fleet.
    this.nextDefrostAt = startMs + rng.range(0.2, 1) * opts.defrostEveryH * 3_600_000;
  }

  get returnC(): number {
    return this.boxC;
  }

  step(dtS: number, t: number, doorOpen: boolean): void {
    const sp = this.setpointC;
    const amb = this.opts.ambientC;
    if (!this.defrost && !this.failed && t >= this.nextDefrostAt) {
      this.defrost = true;
      this.defrostUntil = t + this.rng.range(20, 30) * MIN_MS;
      this.defrosts.push({ start: t, end: this.defrostUntil });
    }
    if (this.defrost && t >= this.defrostUntil) {
      this.defrost = false;
      this.nextDefrostAt = t + this.opts.defrostEveryH * 3_600_000 * this.rng.range(0.9, 1.1);
    }
    // Air leaks in through the walls (time constant 8 h) or the open door behind its strip curtain (1 h).
    const leakTau = doorOpen ? 60 * 60 : 8 * 3600;
    let dBox = ((amb - this.boxC) * dtS) / leakTau;
    let supplyTarget: number;
    if (this.failed) {
      // Fans still run and add their heat; without the compressor the air follows ambient in about an hour.
      supplyTarget = this.boxC + 0.5;
      dBox = ((amb - this.boxC) * dtS) / 3600;
    } else if (this.defrost) {
      supplyTarget = sp + 10;
      dBox += ((this.supplyC - this.boxC) * dtS * 0.3) / 600;
    } else {
      // Modulating control: the warmer the box, the colder the supply, at most 2.5 C under setpoint.
      supplyTarget = sp - Math.min(2.5, Math.max(0, 0.5 + 2 * (this.boxC - sp)));
      dBox += ((this.supplyC - this.boxC) * dtS) / 600;
    }
    this.supplyC += (supplyTarget - this.supplyC) * Math.min(1, dtS / 60);
    this.boxC += dBox;
  }
}
