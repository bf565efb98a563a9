/**
 * Watches a truck's true state for the conditions of the default alert rules and records each alert the truck
 * provokes, attributed to the scenario that caused it or to the truck's normal life ("natural").
 */
import { distanceM } from './geo.ts';
import { ConditionMonitor, DEPOT_GEOFENCE, PROVOKED_RULES, REEFER_SUSPEND_AFTER_DEFROST_MS, type ProvokedAlert } from './provoked.ts';
import type { ActiveDtc } from './dtc.ts';
import type { EventModels, EventScheduler } from './truck-events.ts';

type Monitored = 'overheat' | 'reefer' | 'harshBrake' | 'harshCorner' | 'idle' | 'overspeed';

export class AlertWatcher {
  readonly alerts: ProvokedAlert[] = [];
  private readonly monitors: Record<Monitored, ConditionMonitor>;
  private readonly causes: Record<Monitored, () => string>;
  private readonly dtcAlerts = new Map<ActiveDtc, ProvokedAlert>();
  private insideDepot: boolean | null = null;
  private depotAlert: ProvokedAlert | null = null;
  private now = 0;

  constructor(
    private readonly m: EventModels,
    private readonly events: EventScheduler,
  ) {
    const a = this.alerts;
    this.monitors = {
      overheat: new ConditionMonitor(PROVOKED_RULES.overheat, a),
      reefer: new ConditionMonitor(PROVOKED_RULES.reefer, a),
      harshBrake: new ConditionMonitor(PROVOKED_RULES.harshBrake, a, 'min'),
      harshCorner: new ConditionMonitor(PROVOKED_RULES.harshCorner, a),
      idle: new ConditionMonitor(PROVOKED_RULES.idle, a),
      overspeed: new ConditionMonitor(PROVOKED_RULES.overspeed, a),
    };
    const by = (type: Parameters<EventScheduler['scenarioOf']>[0], withinMs = 0) => (): string => {
      const s = this.events.scenarioOf(type, this.now, withinMs);
      return s ? `scenario:${s}` : 'natural';
    };
    this.causes = {
      // An overheat outlives its scenario while the coolant comes back down.
      overheat: by('overheat', 30 * 60_000),
      reefer: by('reefer-failure', 60 * 60_000),
      harshBrake: by('harsh-braking', 5000),
      harshCorner: by('harsh-cornering', 5000),
      idle: () => {
        const t = this.now;
        const forced = this.m.motion.forcedIdles.some((f) => t >= f.start && t <= f.until);
        const s = forced ? this.events.scenarioOf('excessive-idle', t, Infinity) : null;
        return s ? `scenario:${s}` : 'natural';
      },
      overspeed: by('overspeed', 60_000),
    };
  }

  update(t: number): void {
    this.now = t;
    const { motion, engine: e, accel, reefer: r } = this.m;
    const st = motion.state;
    const mon = this.monitors;
    const c = this.causes;
    const R = PROVOKED_RULES;
    mon.overheat.update(t, e.running && e.coolantC >= R.overheat.threshold, e.coolantC < R.overheat.clear, e.coolantC, c.overheat);
    if (r) {
      const last = r.defrosts[r.defrosts.length - 1];
      const suspended = r.defrost || (last !== undefined && t < last.end + REEFER_SUSPEND_AFTER_DEFROST_MS);
      const dev = Math.max(Math.abs(r.supplyC - r.setpointC), Math.abs(r.returnC - r.setpointC));
      mon.reefer.update(t, !suspended && dev > R.reefer.threshold, !suspended && dev <= R.reefer.clear, dev, c.reefer);
    }
    const brake = -accel.x;
    mon.harshBrake.update(t, brake >= R.harshBrake.threshold, brake < R.harshBrake.threshold, accel.x, c.harshBrake);
    const lateral = Math.abs(accel.y);
    mon.harshCorner.update(t, lateral >= R.harshCorner.threshold, lateral < R.harshCorner.threshold, lateral, c.harshCorner);
    const idling = e.running && e.rpm > 400 && e.wheelKmh === 0;
    mon.idle.update(t, idling, !idling, e.rpm, c.idle);
    mon.overspeed.update(t, e.wheelKmh > R.overspeed.threshold, e.wheelKmh <= R.overspeed.clear, e.wheelKmh, c.overspeed);
    this.watchDtcs(t);
    this.watchDepot(t, st.lat, st.lon);
  }

  private watchDtcs(t: number): void {
    const dtc = this.m.dtc;
    for (const d of dtc.history) {
      let alert = this.dtcAlerts.get(d);
      if (!alert && (d.lamp === 'amber' || d.lamp === 'red')) {
        const scenario =
          d.cause === 'scenario'
            ? this.events.scenarioOf('dtc', t, Infinity)
            : d.cause === 'condition'
              ? this.events.scenarioOf('overheat', t, 30 * 60_000)
              : null;
        alert = {
          ruleType: 'dtc',
          ruleId: PROVOKED_RULES.dtc.ruleId,
          signal: 'dm1',
          conditionSince: d.since,
          at: d.since,
          until: null,
          cause: scenario ? `scenario:${scenario}` : 'natural',
          peak: null,
          detail: `${d.spn}:${d.fmi}:${d.lamp}`,
        };
        this.dtcAlerts.set(d, alert);
        this.alerts.push(alert);
      }
      if (alert && alert.until === null && !dtc.active.includes(d)) alert.until = t;
    }
  }

  /** Entering and leaving the default rules' depot circle; the first position only sets the baseline. */
  private watchDepot(t: number, lat: number, lon: number): void {
    const inside = distanceM({ lat, lon }, DEPOT_GEOFENCE) <= DEPOT_GEOFENCE.radiusM;
    if (this.insideDepot !== null && inside !== this.insideDepot) {
      if (this.depotAlert) this.depotAlert.until = t;
      const rule = inside ? PROVOKED_RULES.depotArrival : PROVOKED_RULES.depotDeparture;
      this.depotAlert = { ruleType: 'geofence', ruleId: rule.ruleId, conditionSince: t, at: t, until: null, cause: 'natural', peak: null };
      this.alerts.push(this.depotAlert);
    }
    this.insideDepot = inside;
  }
}
