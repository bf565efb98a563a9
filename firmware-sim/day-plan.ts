/**
 * What a delivery truck does all day: load at the depot, drive a run of deliveries, come back, reload or park
 * for the night. Each stop is a dwell with engine and door windows; the driving in between is a route.
 */
import type { Prng } from './prng.ts';
import { CUSTOMERS, place, planRoute, type Route } from './road-map.ts';
import { distanceM } from './geo.ts';
import { localHour } from './traffic.ts';

export type Window = readonly [from: number, to: number];

export interface Dwell {
  kind: 'depot' | 'delivery';
  place: string;
  start: number;
  until: number;
  /** Engine running, as [from, to) windows in simulated ms. */
  engine: Window[];
  /** Cargo door open, as [from, to) windows. */
  door: Window[];
}

export interface Drive {
  kind: 'drive';
  route: Route;
  start: number;
}

export type Activity = Dwell | Drive;

export interface PlanOptions {
  depot: string;
  deliveriesMin: number;
  deliveriesMax: number;
}

const MIN = 60_000;

export const inWindows = (ws: readonly Window[], t: number): boolean => ws.some(([a, b]) => t >= a && t < b);

export class DayPlanner {
  private queue: string[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly opts: PlanOptions,
  ) {}

  /** The truck's first activity: at its depot, leaving after `departAfterS`. */
  first(startMs: number, departAfterS: number): Dwell {
    const until = startMs + departAfterS * 1000;
    const warm = Math.min(departAfterS * 1000, this.rng.range(3, 10) * MIN);
    const door: Window[] = departAfterS > 6 * 60 ? [[startMs, until - 3 * MIN]] : [];
    return { kind: 'depot', place: this.opts.depot, start: startMs, until, engine: [[until - warm, until]], door };
  }

  /** The activity after `done`, which ended at `now`. */
  next(done: Activity, now: number): Activity {
    if (done.kind === 'drive') {
      const at = done.route.to;
      return at === this.opts.depot ? this.depotDwell(now) : this.deliveryDwell(at, now);
    }
    if (done.kind === 'depot') this.queue = this.pickRun(done.place);
    const to = this.queue.shift() ?? this.opts.depot;
    return { kind: 'drive', route: planRoute(done.place, to), start: now };
  }

  /** Extends the next delivery so the engine idles for at least `idleMs` (an excessive-idle stop). */
  idleLongerAt(dwell: Dwell, idleMs: number): Dwell {
    const until = Math.max(dwell.until, dwell.start + idleMs + 2 * MIN);
    return { ...dwell, until, engine: [[dwell.start, until]] };
  }

  private pickRun(depotId: string): string[] {
    const depot = place(depotId);
    const near = CUSTOMERS.slice()
      .sort((a, b) => distanceM(depot, a) - distanceM(depot, b))
      .slice(0, 8);
    const n = this.rng.int(this.opts.deliveriesMin, this.opts.deliveriesMax);
    const chosen = this.rng.shuffle(near).slice(0, n);
    // Nearest neighbour from the depot: roughly how a planner orders a run.
    const order: string[] = [];
    let cur = depot;
    while (chosen.length) {
      chosen.sort((a, b) => distanceM(cur, a) - distanceM(cur, b));
      const nxt = chosen.shift();
      if (!nxt) break;
      order.push(nxt.id);
      cur = nxt;
    }
    return order;
  }

  private deliveryDwell(at: string, now: number): Dwell {
    const until = now + this.rng.range(8, 30) * MIN;
    const idling = this.rng.chance(0.3);
    const engine: Window[] = idling
      ? [[now, until]]
      : [
          [now, now + this.rng.range(0.2, 1) * MIN],
          [until - this.rng.range(1, 4) * MIN, until],
        ];
    const door: Window[] = [[now + this.rng.range(1, 2) * MIN, until - this.rng.range(1, 2) * MIN]];
    return { kind: 'delivery', place: at, start: now, until, engine, door };
  }

  private depotDwell(now: number): Dwell {
    const h = localHour(now);
    let until: number;
    if (h >= 15.5 || h < 4) {
      // Park for the night; leave between 05:00 and 06:30 local time.
      const hoursToFive = (((5 - h) % 24) + 24) % 24;
      until = now + (hoursToFive * 60 + this.rng.range(0, 90)) * MIN;
    } else {
      until = now + this.rng.range(45, 90) * MIN;
    }
    const warm = this.rng.range(3, 10) * MIN;
    return {
      kind: 'depot',
      place: this.opts.depot,
      start: now,
      until,
      engine: [
        [now, now + this.rng.range(0.2, 1) * MIN],
        [until - warm, until],
      ],
      door: [
        [now + 2 * MIN, now + this.rng.range(20, 35) * MIN],
        [until - warm - this.rng.range(20, 35) * MIN, until - warm],
      ],
    };
  }
}
