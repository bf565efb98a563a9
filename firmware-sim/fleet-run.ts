/**
 * A whole simulated fleet on one clock: trucks from a fleet spec, each truck's sensors connected to the broker
 * that stands for its gateway, one ground-truth recorder. The seam for gateways: `brokerUrl` may be a function of
 * the truck, so a runner that starts one gateway process per truck hands each truck its own broker.
 */
import { SimClock } from './clock.ts';
import { GroundTruthRecorder, type GroundTruth } from './ground-truth.ts';
import { runTruckSensors, type RunTruckOptions, type TruckRun } from './run-truck.ts';
import { createTruck, type Truck } from './truck.ts';
import type { FleetSpec } from './fleet.ts';

export interface FleetRunOptions extends RunTruckOptions {
  fleet: FleetSpec;
  /** The broker a truck's sensors connect to: one URL for all, or one per truck (its gateway). */
  brokerUrl: string | ((truck: Truck) => string);
  /** Simulated seconds per real second. */
  speedup: number;
  /** The clock stops by itself after this much simulated time. */
  durationMs?: number;
  /** Never run ahead of the wall clock: a fleet that starts in the past plays at the speedup until now, then in real time. */
  notAfterNow?: boolean;
  /** Keep every publication in the recorder (tests). */
  keepLog?: boolean;
}

export interface FleetStats {
  simNow: number;
  /** Simulated time behind where the speedup says it should be, ms. */
  lagMs: number;
  /** Caught up with the wall clock and following it (with `notAfterNow`). */
  realTime: boolean;
  produced: number;
  sent: number;
  /** Of `sent`, QoS 0 publishes: written to the socket, never acknowledged. */
  qos0: number;
  /** QoS 1 publishes the gateway acknowledged. */
  acked: number;
  dropped: number;
  /** QoS 1 publishes awaiting acknowledgement. */
  pending: number;
  connected: number;
  sensors: number;
}

export interface FleetRun {
  readonly clock: SimClock;
  readonly recorder: GroundTruthRecorder;
  readonly trucks: readonly Truck[];
  readonly runs: readonly TruckRun[];
  /** Resolves once every sensor has connected; rejects after `timeoutMs` naming the brokers that did not answer. */
  ready(timeoutMs?: number): Promise<void>;
  start(): void;
  /** Resolves when the clock reaches the end of `durationMs`. */
  finished(): Promise<void>;
  stats(): FleetStats;
  /** Stops the clock, waits up to `drainMs` for acknowledgements, closes every client, returns the ground truth. */
  stop(drainMs?: number): Promise<GroundTruth>;
}

export class BrokerUnreachableError extends Error {
  override readonly name = 'BrokerUnreachableError';
}

export function createFleetRun(opts: FleetRunOptions): FleetRun {
  const { fleet } = opts;
  const clock = new SimClock({
    startMs: fleet.startMs,
    speedup: opts.speedup,
    ...(opts.durationMs === undefined ? {} : { endMs: fleet.startMs + opts.durationMs }),
    ...(opts.notAfterNow ? { notAfter: Date.now } : {}),
  });
  const recorder = new GroundTruthRecorder({
    seed: fleet.seed,
    speedup: opts.speedup,
    startMs: fleet.startMs,
    scenarios: fleet.scenarios,
    ...(opts.keepLog ? { keepLog: true } : {}),
  });
  const trucks = fleet.trucks.map((spec) => createTruck(spec, fleet.seed, fleet.startMs));
  const urlOf = typeof opts.brokerUrl === 'string' ? () => opts.brokerUrl as string : opts.brokerUrl;
  const runs = trucks.map((t) => runTruckSensors(t, urlOf(t), clock, recorder, opts));
  let stopped: Promise<GroundTruth> | null = null;

  return {
    clock,
    recorder,
    trucks,
    runs,
    async ready(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const waiting = runs.flatMap((r) => r.clients.filter((c) => c.connects === 0));
          const urls = [...new Set(runs.filter((r) => r.clients.some((c) => c.connects === 0)).map((r) => urlOf(r.truck)))];
          const why = [...new Set(waiting.flatMap((c) => c.errors))].slice(0, 3).join('; ');
          reject(
            new BrokerUnreachableError(
              `${waiting.length} sensor(s) could not connect within ${timeoutMs} ms to ${urls.join(', ')}${why ? `: ${why}` : ''}`,
            ),
          );
        }, timeoutMs);
      });
      try {
        await Promise.race([Promise.all(runs.map((r) => r.ready())), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    start() {
      clock.start();
    },
    finished() {
      return clock.finished();
    },
    stats() {
      const gt = recorder.totals();
      const sensors = runs.flatMap((r) => r.clients);
      return {
        simNow: clock.now,
        lagMs: clock.lagMs,
        realTime: clock.following,
        produced: gt.telemetry.produced.publishes + gt.rejects.produced,
        sent: gt.telemetry.publishes + gt.rejects.publishes,
        qos0: gt.telemetry.qos0.publishes + gt.rejects.qos0,
        acked: gt.telemetry.acked.publishes + gt.rejects.acked,
        dropped: gt.telemetry.dropped.publishes + gt.rejects.dropped,
        pending: runs.reduce((n, r) => n + r.pending(), 0),
        connected: sensors.filter((c) => c.connected).length,
        sensors: sensors.length,
      };
    },
    stop(drainMs = 5000) {
      stopped ??= (async () => {
        clock.stop();
        await Promise.all(runs.map((r) => r.stop(drainMs)));
        return recorder.snapshot();
      })();
      return stopped;
    },
  };
}
