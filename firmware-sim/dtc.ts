/**
 * Diagnostic trouble codes as J1939 DM1 reports them: SPN, FMI, the lamp it lights and an occurrence count.
 * Now and then an amber code appears on its own (an emissions sensor, a low DEF tank) and clears later;
 * red codes come from scenarios (an overheating engine lights the red stop lamp).
 */
import type { Prng } from './prng.ts';

export type DtcLamp = 'red' | 'amber' | 'mil' | 'protect';

export interface ActiveDtc {
  spn: number;
  fmi: number;
  lamp: DtcLamp;
  occurrences: number;
  since: number;
  /** Clears at this time; null while a condition (overheat) holds it. */
  until: number | null;
  cause: 'random' | 'scenario' | 'condition';
}

/** Codes a healthy fleet throws now and then; all light the amber warning lamp. */
const RANDOM_AMBER: readonly (readonly [spn: number, fmi: number])[] = [
  [3216, 4], // aftertreatment intake NOx sensor, voltage low
  [1761, 1], // DEF tank level low
  [3251, 0], // particulate filter differential pressure high
  [94, 1], // fuel delivery pressure low
  [4364, 18], // SCR conversion efficiency low
];

export class DtcModel {
  readonly active: ActiveDtc[] = [];
  /** Every code that became active, for the ground truth. */
  readonly history: ActiveDtc[] = [];
  private readonly occurrences = new Map<string, number>();
  private nextRandomAt: number;

  constructor(
    private readonly rng: Prng,
    startMs: number,
    /** Mean engine-running hours between random amber codes; 0 turns them off. */
    private readonly meanHoursBetween: number,
  ) {
    this.nextRandomAt = meanHoursBetween > 0 ? startMs + rng.exponential(meanHoursBetween * 3_600_000) : Infinity;
  }

  raise(spn: number, fmi: number, lamp: DtcLamp, t: number, until: number | null, cause: ActiveDtc['cause']): ActiveDtc {
    const existing = this.active.find((d) => d.spn === spn && d.fmi === fmi);
    if (existing) {
      if (until === null || (existing.until !== null && until > existing.until)) existing.until = until;
      return existing;
    }
    const key = `${spn}:${fmi}`;
    const occurrences = Math.min(126, (this.occurrences.get(key) ?? 0) + 1);
    this.occurrences.set(key, occurrences);
    const dtc: ActiveDtc = { spn, fmi, lamp, occurrences, since: t, until, cause };
    this.active.push(dtc);
    this.history.push(dtc);
    return dtc;
  }

  clear(spn: number, fmi: number): void {
    const i = this.active.findIndex((d) => d.spn === spn && d.fmi === fmi);
    if (i >= 0) this.active.splice(i, 1);
  }

  /** Advances to `t`; `engineRunning` gates random codes (a parked engine does not fail). */
  step(dtMs: number, t: number, engineRunning: boolean, coolantC: number): void {
    if (!engineRunning && Number.isFinite(this.nextRandomAt)) this.nextRandomAt += dtMs;
    if (engineRunning && t >= this.nextRandomAt) {
      const [spn, fmi] = this.rng.pick(RANDOM_AMBER);
      this.raise(spn, fmi, 'amber', t, t + this.rng.range(5, 40) * 60_000, 'random');
      this.nextRandomAt = t + this.rng.exponential(this.meanHoursBetween * 3_600_000);
    }
    // Engine protection: coolant at 105 C lights the red stop lamp until it is back under 100 C.
    if (coolantC >= 105) this.raise(110, 0, 'red', t, null, 'condition');
    else if (coolantC < 100) this.clear(110, 0);
    for (let i = this.active.length - 1; i >= 0; i--) {
      const d = this.active[i];
      if (d && d.until !== null && t >= d.until) this.active.splice(i, 1);
    }
  }

  /** The DM1 reading: `SPN:FMI:LAMP:OC`, comma-separated; empty when no code is active. */
  dm1(): string {
    return this.active.map((d) => `${d.spn}:${d.fmi}:${d.lamp}:${d.occurrences}`).join(',');
  }

  get lampAmber(): boolean {
    return this.active.some((d) => d.lamp === 'amber');
  }

  get lampRed(): boolean {
    return this.active.some((d) => d.lamp === 'red');
  }
}
