/**
 * The truck's movement through its day: follows the day plan, drives routes under traffic, dwells at stops.
 * Exposes the true state every tick and the trips it made (start and end of each drive, distance).
 */
import type { Prng } from './prng.ts';
import type { LatLon } from './geo.ts';
import { place, type RoadClass } from './road-map.ts';
import { DayPlanner, inWindows, type Activity, type Dwell } from './day-plan.ts';
import { DriveModel, type HarshBrake } from './drive.ts';
import { TrafficModel } from './traffic.ts';

export interface MotionState {
  t: number;
  lat: number;
  lon: number;
  speedMs: number;
  /** Longitudinal acceleration, m/s2 (negative when braking). */
  accelMs2: number;
  /** Lateral acceleration, m/s2, positive to the left. */
  lateralMs2: number;
  headingDeg: number;
  /** Distance driven since the model started, metres. */
  distanceM: number;
  ignition: boolean;
  doorOpen: boolean;
  activity: 'depot' | 'delivery' | 'driving';
  placeId: string | null;
  inJam: boolean;
}

export interface Trip {
  from: string;
  to: string;
  startMs: number;
  endMs: number | null;
  start: LatLon;
  end: LatLon | null;
  distanceM: number;
}

export interface MotionOptions {
  depot: string;
  massKg: number;
  startMs: number;
  departAfterS: number;
  deliveriesMin?: number;
  deliveriesMax?: number;
}

export class MotionModel {
  readonly state: MotionState;
  readonly trips: Trip[] = [];
  private activity: Activity;
  private drive: DriveModel | null = null;
  private readonly planner: DayPlanner;
  private readonly traffic: TrafficModel;
  private readonly driverFactor: number;
  private pendingIdleMs: number | null = null;
  /** Dwells where the engine was made to idle on purpose: [start, end). */
  readonly forcedIdles: { start: number; until: number; place: string }[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly opts: MotionOptions,
  ) {
    this.planner = new DayPlanner(rng.fork('plan'), {
      depot: opts.depot,
      deliveriesMin: opts.deliveriesMin ?? 2,
      deliveriesMax: opts.deliveriesMax ?? 5,
    });
    this.traffic = new TrafficModel(rng.fork('traffic'));
    this.driverFactor = rng.range(0.96, 1.02);
    this.activity = this.planner.first(opts.startMs, opts.departAfterS);
    const depot = place(opts.depot);
    this.state = {
      t: opts.startMs,
      lat: depot.lat,
      lon: depot.lon,
      speedMs: 0,
      accelMs2: 0,
      lateralMs2: 0,
      headingDeg: rng.range(0, 360),
      distanceM: 0,
      ignition: false,
      doorOpen: false,
      activity: 'depot',
      placeId: opts.depot,
      inJam: false,
    };
    this.applyDwell(this.activity as Dwell, opts.startMs);
  }

  /** Road class under the truck while driving, null when stopped at a place. */
  get roadClass(): RoadClass | null {
    return this.drive ? this.drive.roadClass : null;
  }

  /** The trip under way, if driving. */
  get openTrip(): Trip | null {
    const last = this.trips[this.trips.length - 1];
    return last && last.endMs === null ? last : null;
  }

  /** Makes the truck brake hard (peak deceleration m/s2, seconds) the next time it drives above 30 km/h. */
  harshBrake(peakMs2: number, durationS: number): HarshBrake {
    const request: HarshBrake = { peakMs2, durationS, startedAt: null };
    this.harshRequest = request;
    if (this.drive) this.drive.requestHarshBrake(request);
    return request;
  }

  /** The harsh brake requested last, with the time it started once it has. */
  harshRequest: HarshBrake | null = null;

  /** A driver who ignores the limit on open roads (null: back to normal). */
  speedOverrideKmh: number | null = null;

  /** Makes the next delivery stop idle the engine for at least `idleMs`. */
  idleAtNextStop(idleMs: number): void {
    this.pendingIdleMs = idleMs;
  }

  step(dtMs: number): MotionState {
    const t = this.state.t + dtMs;
    const st = this.state;
    st.t = t;
    const act = this.activity;
    if (act.kind !== 'drive') {
      if (t >= act.until) {
        this.begin(this.planner.next(act, act.until), t);
        if (this.activity.kind === 'drive') return this.stepDrive(dtMs, t);
      }
      this.applyDwell(this.activity as Dwell, t);
      return st;
    }
    return this.stepDrive(dtMs, t);
  }

  private begin(next: Activity, t: number): void {
    if (next.kind === 'delivery' && this.pendingIdleMs !== null) {
      next = this.planner.idleLongerAt(next, this.pendingIdleMs);
      this.forcedIdles.push({ start: next.start, until: next.until, place: next.place });
      this.pendingIdleMs = null;
    }
    this.activity = next;
    if (next.kind === 'drive') {
      this.drive = new DriveModel(next.route, this.rng.fork(`drive:${this.trips.length}`), this.opts.massKg, this.driverFactor);
      if (this.harshRequest && this.harshRequest.startedAt === null) this.drive.requestHarshBrake(this.harshRequest);
      this.trips.push({
        from: next.route.from,
        to: next.route.to,
        startMs: t,
        endMs: null,
        start: { lat: this.state.lat, lon: this.state.lon },
        end: null,
        distanceM: 0,
      });
      this.state.activity = 'driving';
      this.state.placeId = null;
      this.state.ignition = true;
      this.state.doorOpen = false;
    }
  }

  private applyDwell(d: Dwell, t: number): void {
    const st = this.state;
    st.activity = d.kind;
    st.placeId = d.place;
    st.speedMs = 0;
    st.accelMs2 = 0;
    st.lateralMs2 = 0;
    st.inJam = false;
    st.ignition = inWindows(d.engine, t);
    st.doorOpen = inWindows(d.door, t);
  }

  private stepDrive(dtMs: number, t: number): MotionState {
    const drive = this.drive;
    const st = this.state;
    if (!drive) return st;
    const dtS = dtMs / 1000;
    const before = drive.s;
    const factor = this.traffic.step(dtS, t, drive.roadClass, drive.v * dtS);
    drive.overrideKmh = this.speedOverrideKmh;
    drive.step(dtS, t, factor);
    const moved = drive.s - before;
    const pos = drive.position();
    st.lat = pos.lat;
    st.lon = pos.lon;
    st.speedMs = drive.v;
    st.accelMs2 = drive.a;
    st.lateralMs2 = drive.lateralMs2;
    st.headingDeg = drive.headingDeg;
    st.distanceM += moved;
    st.inJam = this.traffic.inJam;
    const trip = this.openTrip;
    if (trip) trip.distanceM += moved;
    if (drive.arrived) {
      if (trip) {
        trip.endMs = t;
        trip.end = { lat: st.lat, lon: st.lon };
      }
      this.drive = null;
      this.begin(this.planner.next(this.activity, t), t);
      this.applyDwell(this.activity as Dwell, t);
    }
    return st;
  }
}
