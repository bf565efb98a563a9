/**
 * Runs one truck's sensors against a broker: one MQTT client per sensor, the truck's models stepped on the
 * simulated clock, every publication recorded in the ground truth, and scenario hooks (uplink cut, power cut,
 * depot Wi-Fi) handed to whoever runs the gateways. The truck's gateway may be any MQTT broker.
 */
import type { SimClock } from './clock.ts';
import type { GroundTruthRecorder } from './ground-truth.ts';
import { SensorClient, type SensorClientOptions } from './sensor-client.ts';
import { TICK_MS, type HookNotice, type Truck } from './truck.ts';

/**
 * What the fleet runner does when a scenario touches the gateway. Times are simulated ms; the window is
 * [from, to). Each start is followed by its end call when the clock reaches `to`.
 */
export interface TruckHooks {
  /** The gateway's uplink (mobile data) is cut: a dead zone. */
  onUplinkCut?(truck: Truck, from: number, to: number): void | Promise<void>;
  onUplinkRestore?(truck: Truck, at: number): void | Promise<void>;
  /** The gateway process is killed; restart it at `to`. */
  onPowerCut?(truck: Truck, from: number, to: number): void | Promise<void>;
  onPowerRestore?(truck: Truck, at: number): void | Promise<void>;
  /** A fast uplink (depot Wi-Fi) is available. */
  onDepotWifi?(truck: Truck, from: number, to: number): void | Promise<void>;
  onDepotWifiEnd?(truck: Truck, at: number): void | Promise<void>;
}

export interface RunTruckOptions extends SensorClientOptions {
  hooks?: TruckHooks;
  /** Hook failures go here (they never stop the simulation). */
  onHookError?(err: unknown, notice: HookNotice): void;
}

export interface TruckRun {
  readonly truck: Truck;
  readonly clients: readonly SensorClient[];
  /** Resolves when every sensor has connected once. */
  ready(): Promise<void>;
  /** QoS 1 publishes awaiting acknowledgement, over all sensors. */
  pending(): number;
  /** Detaches from the clock, waits up to `drainMs` for acknowledgements, then closes every client. */
  stop(drainMs?: number): Promise<void>;
}

function callHook(hooks: TruckHooks, truck: Truck, n: HookNotice): void | Promise<void> {
  switch (n.type) {
    case 'dead-zone':
      return n.phase === 'start' ? hooks.onUplinkCut?.(truck, n.from, n.to) : hooks.onUplinkRestore?.(truck, n.to);
    case 'power-cut':
      return n.phase === 'start' ? hooks.onPowerCut?.(truck, n.from, n.to) : hooks.onPowerRestore?.(truck, n.to);
    case 'depot-wifi':
      return n.phase === 'start' ? hooks.onDepotWifi?.(truck, n.from, n.to) : hooks.onDepotWifiEnd?.(truck, n.to);
  }
}

export function runTruckSensors(
  truck: Truck,
  brokerUrl: string,
  clock: SimClock,
  recorder: GroundTruthRecorder,
  opts: RunTruckOptions = {},
): TruckRun {
  if (truck.now !== clock.now) {
    throw new RangeError(`truck ${truck.vehicle} is at ${truck.now} but the clock at ${clock.now}: create trucks at the clock's start`);
  }
  recorder.addTruck(truck);
  const clients = new Map(truck.credentials().map((c) => [c.sensor, new SensorClient(c, brokerUrl, opts)]));
  const hooks = opts.hooks ?? {};
  const onHookError = opts.onHookError ?? (() => undefined);

  const unsubscribe = clock.onTick((simNow) => {
    // Catch up if the truck joined late or the tick is coarser than the models' step.
    while (truck.now < simNow) {
      const out = truck.step(Math.min(simNow - truck.now, TICK_MS));
      for (const n of out.hooks) {
        try {
          const r: unknown = callHook(hooks, truck, n);
          // A hook written as an expression may return anything; only a promise can fail later.
          if (r instanceof Promise) r.catch((err: unknown) => onHookError(err, n));
        } catch (err) {
          onHookError(err, n);
        }
      }
      for (const p of out.publications) {
        recorder.produced(p);
        const client = clients.get(p.sensor);
        if (!client?.canAccept(p)) {
          recorder.dropped(p);
          continue;
        }
        // QoS 1 counts as sent once handed over; QoS 0 once written (or dropped without a connection).
        if (p.qos === 1) recorder.sent(p);
        client.publish(p, (err) => {
          if (p.qos === 1) {
            if (err) recorder.failed(p);
            else recorder.acked(p);
          } else if (err) recorder.dropped(p);
          else recorder.sent(p);
        });
      }
    }
    recorder.reached(simNow);
  });

  let stopped = false;
  return {
    truck,
    clients: [...clients.values()],
    async ready() {
      await Promise.all([...clients.values()].map((c) => c.ready()));
    },
    pending() {
      let n = 0;
      for (const c of clients.values()) n += c.pending;
      return n;
    },
    async stop(drainMs = 5000) {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await Promise.all([...clients.values()].map((c) => c.drain(drainMs)));
      await Promise.all([...clients.values()].map((c) => c.end()));
    },
  };
}
