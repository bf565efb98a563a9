/**
 * Which alerts the simulated truck should make a gateway raise, judged from the model's own (true, unquantised)
 * state with the default rule set's thresholds (docs/alert-rules.md): the ground truth that end-to-end tests
 * compare the gateway's alerts with. Times are approximate: sampling, batching and the gateway's clock shift them.
 */

export type ProvokedRuleType = 'threshold' | 'range' | 'harsh' | 'dtc' | 'idle' | 'overspeed' | 'geofence';

export interface ProvokedRule {
  ruleType: ProvokedRuleType;
  /** The rule id in the default rule set. */
  ruleId: string;
  signal?: string;
  threshold?: number;
  /** The level the value must pass to clear (hysteresis), where it differs from the threshold. */
  clear?: number;
  /** How long the condition must hold before the rule raises, s. */
  forS: number;
}

const G = 9.80665;

/** The default rule set's rules (edge/alerts/default-rules.yaml) that a simulated truck can trip. */
export const PROVOKED_RULES = {
  overheat: { ruleType: 'threshold', ruleId: 'coolant_overheat', signal: 'coolant_temp', threshold: 105, clear: 100, forS: 30 },
  reefer: { ruleType: 'range', ruleId: 'reefer_out_of_range', signal: 'reefer_supply_temp', threshold: 3, clear: 2, forS: 900 },
  harshBrake: { ruleType: 'harsh', ruleId: 'harsh_braking', signal: 'accel_x', threshold: 0.35 * G, forS: 0.1 },
  harshCorner: { ruleType: 'harsh', ruleId: 'harsh_cornering', signal: 'accel_y', threshold: 5.5, forS: 0.1 },
  dtc: { ruleType: 'dtc', ruleId: 'dtc_active', signal: 'dm1', forS: 0 },
  idle: { ruleType: 'idle', ruleId: 'excessive_idle', signal: 'engine_speed', forS: 600 },
  overspeed: { ruleType: 'overspeed', ruleId: 'overspeed', signal: 'wheel_speed', threshold: 90, clear: 88, forS: 10 },
  depotArrival: { ruleType: 'geofence', ruleId: 'depot_arrival', forS: 0 },
  depotDeparture: { ruleType: 'geofence', ruleId: 'depot_departure', forS: 0 },
} as const satisfies Record<string, ProvokedRule>;

/** The default rules' `depot` geofence (a circle around the Rotterdam depot). */
export const DEPOT_GEOFENCE = { lat: 51.9045, lon: 4.46, radiusM: 400 } as const;

/** After a defrost ends, reefer range alerts stay suspended this long (the rule's suspendAfterS). */
export const REEFER_SUSPEND_AFTER_DEFROST_MS = 1200 * 1000;

export interface ProvokedAlert {
  ruleType: ProvokedRuleType;
  ruleId: string;
  signal?: string;
  /** When the condition began, simulated ms. */
  conditionSince: number;
  /** When a rule with the default window raises (conditionSince + forS). */
  at: number;
  /** When the condition ended; null if it still held when the simulation stopped. */
  until: number | null;
  /** `scenario:<name>` when a scenario caused it on purpose, `natural` when the truck's normal life did. */
  cause: string;
  /** The most extreme value while it held. */
  peak: number | null;
  /** A DTC's `SPN:FMI:LAMP`. */
  detail?: string;
}

/**
 * Watches one rule's condition the way the alert engine judges it: `on` (raise condition), `off` (clear condition)
 * or neither (hold: a pending raise restarts, an active alert stays). Each stretch of `on` that lasts `forS`
 * becomes a provoked alert, which ends at the next `off`.
 */
export class ConditionMonitor {
  private since: number | null = null;
  private open: ProvokedAlert | null = null;
  private peak: number | null = null;

  constructor(
    private readonly rule: ProvokedRule,
    private readonly sink: ProvokedAlert[],
    /** 'max' keeps the highest value as the peak, 'min' the lowest. */
    private readonly extreme: 'max' | 'min' = 'max',
  ) {}

  get active(): boolean {
    return this.open !== null;
  }

  update(t: number, on: boolean, off: boolean, value: number, cause: () => string): void {
    if (off) {
      if (this.open) this.open.until = t;
      this.open = null;
    }
    if (!on) {
      this.since = null;
      if (!this.open) this.peak = null;
      return;
    }
    this.since ??= t;
    this.peak = this.peak === null ? value : this.extreme === 'max' ? Math.max(this.peak, value) : Math.min(this.peak, value);
    if (this.open) {
      this.open.peak = this.peak;
      return;
    }
    // A condition "for 0.1 s" seen on 100 ms ticks holds on two consecutive ticks.
    if (t - this.since >= this.rule.forS * 1000 - 1e-6) {
      this.open = {
        ruleType: this.rule.ruleType,
        ruleId: this.rule.ruleId,
        ...(this.rule.signal ? { signal: this.rule.signal } : {}),
        conditionSince: this.since,
        at: this.since + this.rule.forS * 1000,
        until: null,
        cause: cause(),
        peak: this.peak,
      };
      this.sink.push(this.open);
    }
  }
}
