/**
 * Driving one route: longitudinal speed from limits, traffic, corners, traffic lights and the stop at the end;
 * heading that turns at a rate a loaded truck can manage; lateral acceleration from speed and yaw rate.
 */
import type { Prng } from './prng.ts';
import { bearingDeg, lerp, turnDeg, normaliseDeg, type LatLon } from './geo.ts';
import type { Route, RoadClass } from './road-map.ts';

/** Planning deceleration for corners and stops, m/s2: what a truck driver does without thinking. */
const PLAN_DECEL = 1.0;
/** Hard limit of the speed controller outside harsh events, m/s2. */
const MAX_SERVICE_DECEL = 2.5;
/** Lateral acceleration the driver allows in a turn, m/s2: caps the yaw rate. */
const MAX_LATERAL = 2.5;
const MAX_YAW_DEG_S = 25;
/** A loaded truck's power limits acceleration more at speed. */
function maxAccel(v: number, massKg: number): number {
  const laden = Math.min(1.4, Math.max(0.6, 30_000 / massKg));
  return Math.max(0.15, (0.85 - 0.0075 * v * 3.6) * laden);
}

export interface HarshBrake {
  peakMs2: number;
  durationS: number;
  /** When it actually started, ms; null while waiting for enough speed. */
  startedAt: number | null;
}

export class DriveModel {
  s = 0;
  v = 0;
  a = 0;
  headingDeg: number;
  yawRateDegS = 0;
  private idx = 0;
  /** Red lights ahead: point index -> how long the truck will wait once stopped there (s). */
  private readonly redWait = new Map<number, number>();
  private holdUntil = -Infinity;
  private heldAt = -1;
  private harsh: HarshBrake | null = null;
  /** Set by a scenario: the driver cruises at this speed on motorways and main roads, whatever the limit. */
  overrideKmh: number | null = null;

  constructor(
    readonly route: Route,
    private readonly rng: Prng,
    private readonly massKg: number,
    /** The driver's cruising speed relative to the limit (a few percent either side). */
    private readonly driverFactor: number,
  ) {
    const p0 = route.points[0];
    const p1 = route.points[1];
    this.headingDeg = p0 && p1 ? bearingDeg(p0, p1) : 0;
    route.points.forEach((p, i) => {
      if (p.light && rng.chance(0.45)) this.redWait.set(i, rng.range(8, 50));
    });
  }

  get remainingM(): number {
    return Math.max(0, this.route.lengthM - this.s);
  }

  get arrived(): boolean {
    return this.remainingM <= 0;
  }

  /** Road class of the current segment, judged by its limit. */
  get roadClass(): RoadClass {
    const lim = this.route.points[this.idx]?.limitKmh ?? 45;
    return lim >= 80 ? 'motorway' : lim >= 70 ? 'primary' : lim > 20 ? 'urban' : 'yard';
  }

  position(): LatLon {
    const pts = this.route.points;
    const p = pts[this.idx];
    const q = pts[this.idx + 1];
    if (!p) return { lat: 0, lon: 0 };
    if (!q) return { lat: p.lat, lon: p.lon };
    const f = q.s > p.s ? (this.s - p.s) / (q.s - p.s) : 0;
    return lerp(p, q, Math.min(1, Math.max(0, f)));
  }

  /** Asks for a harsh brake as soon as the truck is above 30 km/h. */
  requestHarshBrake(request: HarshBrake): void {
    this.harsh = request;
  }

  get harshActive(): boolean {
    return this.harsh?.startedAt != null;
  }

  private targetSpeed(factor: number, tMs: number): number {
    const pts = this.route.points;
    const here = pts[this.idx];
    const open = this.roadClass === 'motorway' || this.roadClass === 'primary';
    let target =
      this.overrideKmh !== null && open
        ? (this.overrideKmh / 3.6) * factor
        : ((here?.limitKmh ?? 45) / 3.6) * factor * this.driverFactor;
    const horizon = (this.v * this.v) / (2 * PLAN_DECEL) + 60;
    for (let j = this.idx + 1; j < pts.length; j++) {
      const p = pts[j];
      if (!p) break;
      const d = p.s - this.s;
      if (d > horizon) break;
      let vc = p.cornerKmh / 3.6;
      const isEnd = j === pts.length - 1;
      const waiting = this.redWait.has(j) && !(this.heldAt === j && tMs >= this.holdUntil);
      if (isEnd || waiting) vc = 0;
      if (!Number.isFinite(vc)) continue;
      // Stops aim one metre short; a creeping minimum keeps the truck from stalling just before.
      const room = Math.max(0, d - 1);
      let allowed = Math.sqrt(vc * vc + 2 * PLAN_DECEL * room);
      if (vc === 0 && room > 0.3) allowed = Math.max(allowed, Math.min(1, room));
      target = Math.min(target, allowed);
    }
    return target;
  }

  /** Advances dtS seconds; `factor` is the traffic factor on the speed limit. */
  step(dtS: number, tMs: number, factor: number): void {
    const pts = this.route.points;
    // Waiting at a red light.
    const next = pts[this.idx + 1];
    if (next && this.redWait.has(this.idx + 1) && next.s - this.s < 3 && this.v < 0.3) {
      if (this.heldAt !== this.idx + 1) {
        this.heldAt = this.idx + 1;
        this.holdUntil = tMs + (this.redWait.get(this.idx + 1) ?? 0) * 1000;
      }
    }
    let a: number;
    const harsh = this.harsh;
    if (harsh && harsh.startedAt === null && this.v > 30 / 3.6 && this.remainingM > 150) harsh.startedAt = tMs;
    if (harsh && harsh.startedAt !== null) {
      const el = (tMs - harsh.startedAt) / 1000;
      // Brake pressure builds and releases over 0.15 s.
      const env = Math.min(1, el / 0.15, Math.max(0, (harsh.durationS - el) / 0.15));
      a = -harsh.peakMs2 * env;
      if (el >= harsh.durationS || this.v <= 0.5) this.harsh = null;
    } else {
      const target = this.targetSpeed(factor, tMs);
      a = Math.min(maxAccel(this.v, this.massKg), Math.max(-MAX_SERVICE_DECEL, (target - this.v) / 1.5));
      // The last metres: the constant deceleration that stops exactly at the end, so the truck neither
      // creeps past it nor stops with a jolt.
      const left = this.remainingM;
      if (left < 30 && this.v > 0) a = Math.min(a, -(this.v * this.v) / (2 * Math.max(left, 0.05)));
    }
    const v0 = this.v;
    this.v = Math.max(0, this.v + a * dtS);
    this.a = (this.v - v0) / dtS;
    this.s = Math.min(this.route.lengthM, this.s + this.v * dtS);
    while (this.idx + 1 < pts.length && (pts[this.idx + 1] as { s: number }).s <= this.s) {
      this.idx++;
      if (this.heldAt === this.idx) this.redWait.delete(this.idx);
    }
    // Close enough to the end and nearly stopped: arrived.
    if (this.remainingM < 0.3 || (this.remainingM < 1.5 && this.v < 0.3)) {
      this.s = this.route.lengthM;
      // The last few centimetres at walking pace: a real truck rolls them out smoothly.
      this.a = Math.max(-MAX_SERVICE_DECEL, (0 - v0) / dtS);
      this.v = 0;
      this.idx = pts.length - 1;
    }
    this.turn(dtS);
  }

  private turn(dtS: number): void {
    const p = this.route.points[this.idx];
    const q = this.route.points[this.idx + 1];
    if (!p || !q || this.v < 0.3) {
      this.yawRateDegS = 0;
      return;
    }
    const want = turnDeg(this.headingDeg, bearingDeg(p, q));
    const maxRate = Math.min(MAX_YAW_DEG_S, ((MAX_LATERAL / this.v) * 180) / Math.PI);
    const rate = Math.max(-maxRate, Math.min(maxRate, want / dtS));
    this.yawRateDegS = rate;
    this.headingDeg = normaliseDeg(this.headingDeg + rate * dtS);
  }

  /** Lateral acceleration, m/s2, positive to the left (ISO 8855); a right turn (heading increasing) is negative. */
  get lateralMs2(): number {
    return -this.v * ((this.yawRateDegS * Math.PI) / 180);
  }
}
