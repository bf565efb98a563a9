/** Helpers for the alert engine's unit tests: build rule sets and drive an engine through time. */
import type { AlertV2, PositionV2, Quality, ReadingV2, ReadingValue } from '../../shared/contracts/types.ts';
import { createAlertEngine, type AlertEngine, type AlertEngineOptions } from './engine.ts';
import { validateRuleSet } from './parse-rules.ts';
import type { RuleSet } from './rule-schema.ts';

export const T0 = 1_700_000_000_000;

export function ruleSet(rules: unknown[], geofences: unknown[] = []): RuleSet {
  const r = validateRuleSet({ version: 1, geofences, rules });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.rules;
}

export interface ReadOpts {
  sensor?: string;
  unit?: string;
  quality?: Quality;
  sensorTime?: number;
  vehicle?: string;
}

/** An engine plus a wall clock; every call collects the emitted alerts in `all`. */
export class Drive {
  readonly engine: AlertEngine;
  t = T0;
  readonly all: AlertV2[] = [];

  constructor(rules: unknown[], opts: AlertEngineOptions = {}, geofences: unknown[] = []) {
    this.engine = createAlertEngine(ruleSet(rules, geofences), opts);
  }

  private keep(xs: AlertV2[]): AlertV2[] {
    this.all.push(...xs);
    return xs;
  }

  reading(signal: string, value: ReadingValue, o: ReadOpts = {}): ReadingV2 {
    return {
      v: 2,
      vehicle: o.vehicle ?? 'T1',
      sensor: o.sensor ?? 'ecu',
      signal,
      value,
      unit: o.unit ?? '',
      sensorTime: o.sensorTime ?? this.t,
      quality: o.quality ?? 'good',
    };
  }

  read(signal: string, value: ReadingValue, o: ReadOpts = {}): AlertV2[] {
    return this.keep(this.engine.onReading(this.reading(signal, value, o), this.t));
  }

  pos(lat: number, lon: number, speedKmh?: number, o: ReadOpts = {}): AlertV2[] {
    const p: PositionV2 = {
      v: 2,
      vehicle: o.vehicle ?? 'T1',
      sensor: o.sensor ?? 'gps',
      lat,
      lon,
      sensorTime: o.sensorTime ?? this.t,
      ...(speedKmh === undefined ? {} : { speedKmh }),
    };
    return this.keep(this.engine.onReading(p, this.t));
  }

  tick(): AlertV2[] {
    return this.keep(this.engine.tick(this.t));
  }

  /** Moves the wall clock forward, ticking every `stepMs`. */
  advance(ms: number, stepMs = 1000): AlertV2[] {
    const out: AlertV2[] = [];
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + stepMs);
      out.push(...this.tick());
    }
    return out;
  }

  /** Sends the same reading every `everyMs` for `ms` (first one now), ticking in between. */
  hold(signal: string, value: ReadingValue, ms: number, everyMs = 1000, o: ReadOpts = {}): AlertV2[] {
    const out: AlertV2[] = [];
    const end = this.t + ms;
    out.push(...this.read(signal, value, o));
    while (this.t + everyMs <= end) {
      this.t += everyMs;
      out.push(...this.read(signal, value, o));
      out.push(...this.tick());
    }
    return out;
  }

  states(ruleId?: string): string[] {
    return this.all.filter((a) => ruleId === undefined || a.ruleId === ruleId).map((a) => a.state);
  }
}
