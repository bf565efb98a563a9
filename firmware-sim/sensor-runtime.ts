/**
 * One sensor's firmware, minus the radio: samples the truck on its schedule (simulated time), quantises to the
 * signal's resolution, batches, encodes, and misbehaves when a fault says so. Pure: it returns publications
 * (topic, bytes, QoS, what they count as) and the shell hands them to an MQTT client.
 *
 * Anomalous items (NaN, wrong types) always go out on their own, so one bad item is exactly one reject
 * whatever the gateway's decoder does with arrays.
 */
import type { Prng } from './prng.ts';
import type { GpsFix } from './gps.ts';
import type { Lane, ReadingValue } from '../shared/contracts/types.ts';
import { SIGNALS, isNumericDef, quantise, type SignalName } from './signals.ts';
import type { SensorFault, SensorSpec } from './sensor-spec.ts';
import { garbageBytes, positionItem, readingItem, withWrongType, type ItemContext, type WireItem } from './payload.ts';
import { encodeSensorPayload } from './wire-encode.ts';

export type Anomaly = 'nan' | 'wrong-type' | 'garbage';

export interface Publication {
  vehicle: string;
  sensor: string;
  topic: string;
  qos: 0 | 1;
  payload: Uint8Array;
  /** Simulated time the sensor sent it. */
  t: number;
  /** Where a correct gateway files it: good items are telemetry, unreadable ones rejects. */
  lane: Extract<Lane, 'telemetry' | 'rejects'>;
  /** Telemetry items inside (0 for rejects). */
  readings: number;
  positions: number;
  anomaly: Anomaly | null;
  /** Sent during a flood (a storming sensor). */
  flood: boolean;
}

export interface SensorInputs {
  ignition: boolean;
  /** The signal's true value now. */
  read(signal: SignalName): ReadingValue;
  /** A new GNSS fix now. */
  fix(): GpsFix;
}

/** The most samples one tick may produce, so a misconfigured flood cannot stall the simulation. */
const MAX_SAMPLES_PER_TICK = 1000;
const MAX_ITEMS = 100;

interface Pending {
  items: WireItem[];
  samples: number;
  oldest: number;
}

export class SensorRuntime {
  private nextAt: number | null = null;
  private sampleNo = 0;
  private pending: Pending = { items: [], samples: 0, oldest: 0 };
  private readonly lastSent = new Map<string, { value: ReadingValue; t: number }>();
  private readonly stuck = new Map<string, ReadingValue>();
  private stuckFix: GpsFix | null = null;
  private readonly ctx: ItemContext;
  readonly topic: string;

  constructor(
    readonly spec: SensorSpec,
    private readonly vehicle: string,
    firmware: 1 | 2,
    private readonly rng: Prng,
    private readonly startMs: number,
  ) {
    this.ctx = { vehicle, sensor: spec.id, firmware, includeIds: spec.includeIds };
    this.topic = `fleet/${vehicle}/${spec.id}/${spec.kind}`;
    // Sensors power up at different moments: spread the first sample over one period.
    this.nextAt = startMs + Math.floor(rng.range(0, spec.periodMs));
  }

  private active(kind: SensorFault['kind'], t: number): SensorFault | undefined {
    const rel = t - this.startMs;
    return this.spec.faults.find((f) => f.kind === kind && (f.fromMs ?? -Infinity) <= rel && rel < (f.toMs ?? Infinity));
  }

  step(t: number, inputs: SensorInputs): Publication[] {
    const out: Publication[] = [];
    const flood = this.active('flood', t);
    const period = flood ? 1000 / (flood.rateHz ?? 50) : inputs.ignition ? this.spec.periodMs : this.spec.parkedPeriodMs;
    if (period === null) {
      this.nextAt = null;
      this.flush(t, out, false);
      return out;
    }
    // Waking up (ignition on) samples at once; a shorter period applies from now.
    if (this.nextAt === null || this.nextAt > t + period) this.nextAt = t;
    let n = 0;
    while (this.nextAt <= t && n++ < MAX_SAMPLES_PER_TICK) {
      const at = Math.round(this.nextAt);
      this.sample(at, inputs, out, flood !== undefined);
      this.nextAt += period;
      if (flood) this.flush(at, out, true);
      else if (this.pending.samples >= this.spec.batch) this.flush(at, out, false);
    }
    if (this.nextAt <= t) this.nextAt = t + period;
    // A batch never waits longer than it takes to fill at the running rate.
    if (this.pending.samples > 0 && t - this.pending.oldest >= this.spec.batch * this.spec.periodMs) this.flush(t, out, false);
    return out;
  }

  private sample(t: number, inputs: SensorInputs, out: Publication[], flooding: boolean): void {
    const skew = this.active('clock-skew', t)?.skewMs ?? 0;
    const time = Math.round(t + skew);
    const stuck = this.active('stuck', t) !== undefined;
    const nan = this.active('nan', t);
    const wrong = this.active('wrong-type', t);
    const items: WireItem[] = [];
    if (this.spec.kind === 'position') {
      let fix = inputs.fix();
      if (stuck) fix = this.stuckFix ??= fix;
      else this.stuckFix = null;
      items.push(positionItem(this.ctx, fix, time));
    } else {
      const k = this.sampleNo++;
      for (const { signal, every } of this.spec.signals) {
        if (k % every !== 0) continue;
        const def = SIGNALS[signal];
        let value = inputs.read(signal);
        if (isNumericDef(def) && typeof value === 'number') value = quantise(def, value);
        if (stuck) {
          if (!this.stuck.has(signal)) this.stuck.set(signal, value);
          value = this.stuck.get(signal) as ReadingValue;
        } else if (this.stuck.size) this.stuck.delete(signal);
        if (this.spec.onChange && !flooding) {
          const last = this.lastSent.get(signal);
          if (last && last.value === value && t - last.t < this.spec.heartbeatMs) continue;
          this.lastSent.set(signal, { value, t });
        }
        if (nan && typeof value === 'number' && this.rng.chance(nan.share ?? 1)) {
          // JSON has no NaN: broken firmware writing JSON sends null, which is a wrong type.
          const item = readingItem(this.ctx, signal, Number.NaN, def.unit, time, 'bad', def.spn);
          this.lone(item, t, out, this.spec.format === 'json' ? 'wrong-type' : 'nan', flooding);
          continue;
        }
        items.push(readingItem(this.ctx, signal, value, def.unit, time, 'good', def.spn));
      }
    }
    for (const item of items) {
      if (wrong && this.rng.chance(wrong.share ?? 1)) this.lone(withWrongType(item, this.rng), t, out, 'wrong-type', flooding);
      else {
        if (this.pending.items.length + 1 > MAX_ITEMS) this.flush(t, out, flooding);
        if (this.pending.items.length === 0) this.pending.oldest = t;
        this.pending.items.push(item);
      }
    }
    this.pending.samples++;
  }

  private lone(item: WireItem, t: number, out: Publication[], anomaly: Anomaly, flood: boolean): void {
    out.push(this.publication(encodeSensorPayload(item, this.spec.format), t, 'rejects', 0, anomaly, flood));
  }

  private flush(t: number, out: Publication[], flood: boolean): void {
    const items = this.pending.items;
    this.pending = { items: [], samples: 0, oldest: t };
    if (items.length === 0) return;
    const body = items.length === 1 && this.spec.batch === 1 ? (items[0] as WireItem) : items;
    const bytes = encodeSensorPayload(body, this.spec.format);
    const garbage = this.active('garbage', t);
    if (garbage && this.rng.chance(garbage.share ?? 1)) {
      out.push(this.publication(garbageBytes(this.rng, this.spec.format, bytes), t, 'rejects', 0, 'garbage', flood));
      return;
    }
    out.push(this.publication(bytes, t, 'telemetry', items.length, null, flood));
  }

  private publication(payload: Uint8Array, t: number, lane: Publication['lane'], items: number, anomaly: Anomaly | null, flood: boolean): Publication {
    const positions = this.spec.kind === 'position' ? items : 0;
    return {
      vehicle: this.vehicle,
      sensor: this.spec.id,
      topic: this.topic,
      qos: this.spec.qos,
      payload,
      t,
      lane,
      readings: items - positions,
      positions,
      anomaly,
      flood,
    };
  }
}
