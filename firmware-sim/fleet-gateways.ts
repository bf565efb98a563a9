import { join } from 'node:path';
import { hashPassword } from '../edge/broker/password.ts';
import type { EmbeddedHub } from '../cloud/hub/embedded-hub.ts';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.ts';
import { startLinkProxy, type LinkProxy } from './link-proxy.ts';
import type { Truck } from './truck.ts';
import type { TruckHooks } from './run-truck.ts';

/** A simulated truck's gateway: its process, its cellular link to the hub, and where its sensors connect. */
export interface TruckGateway {
  vehicle: string;
  process: GatewayProcess;
  link: LinkProxy;
  brokerUrl: string;
}

export interface FleetGatewaysOptions {
  trucks: readonly Truck[];
  /** Each truck's gateway keeps its data in `<dataDir>/<vehicle>`. */
  dataDir: string;
  hub: EmbeddedHub;
  /** Extra gateway settings merged into every truck's (e.g. uplink batching, log level). */
  overrides?: Record<string, unknown>;
  onLog?: (vehicle: string, line: string) => void;
  onEvent?: (vehicle: string, what: string) => void;
}

export interface FleetGateways {
  readonly gateways: ReadonlyMap<string, TruckGateway>;
  /** Dead zones cut the truck's link, power cuts kill its gateway with SIGKILL and restart it. */
  readonly hooks: TruckHooks;
  brokerUrl(truck: Truck): string;
  stop(): Promise<void>;
}

/**
 * Starts one real gateway process per truck. The gateway's device identity is the vehicle id, registered in the hub
 * (reused when it exists), and it reaches the hub through a loopback link proxy the scenarios switch off and on.
 * Rules run on the sensors' clock, because the simulation runs faster than real time.
 */
export async function startFleetGateways(opts: FleetGatewaysOptions): Promise<FleetGateways> {
  const gateways = new Map<string, TruckGateway>();
  const start = async (truck: Truck): Promise<void> => {
    const vehicle = truck.vehicle;
    if (!(await opts.hub.registry.get(vehicle))) await opts.hub.registry.add(vehicle);
    const link = await startLinkProxy({ host: '127.0.0.1', port: opts.hub.port });
    const sensors = await Promise.all(
      truck.credentials().map(async (c) => ({ id: c.sensor, username: c.username, passwordHash: await hashPassword(c.password) })),
    );
    const over = opts.overrides ?? {};
    const settings = {
      ...over,
      gatewayId: vehicle,
      vehicle,
      dataDir: join(opts.dataDir, vehicle, 'data'),
      broker: { port: 0, ...((over.broker as object | undefined) ?? {}) },
      http: { port: 0 },
      sensors,
      uplink: {
        ...((over.uplink as object | undefined) ?? {}),
        connectionString: await opts.hub.connectionString(vehicle, 'primary', `localhost:${link.port}`),
        caFile: opts.hub.caFile,
      },
      alerts: { clock: 'sensor', ...((over.alerts as object | undefined) ?? {}) },
      log: { level: 'info', ...((over.log as object | undefined) ?? {}) },
    };
    const proc = await startGatewayProcess({
      truckId: vehicle,
      settings,
      dir: join(opts.dataDir, vehicle),
      ...(opts.onLog ? { onLog: (line: string) => opts.onLog!(vehicle, line) } : {}),
    });
    gateways.set(vehicle, { vehicle, process: proc, link, brokerUrl: `mqtt://127.0.0.1:${proc.ports.mqtt}` });
  };
  await Promise.all(opts.trucks.map(start));

  const of = (truck: Truck): TruckGateway => {
    const g = gateways.get(truck.vehicle);
    if (!g) throw new Error(`no gateway for ${truck.vehicle}`);
    return g;
  };
  const note = (truck: Truck, what: string): void => opts.onEvent?.(truck.vehicle, what);
  return {
    gateways,
    brokerUrl: (truck) => of(truck).brokerUrl,
    hooks: {
      onUplinkCut: (truck) => (of(truck).link.set({ mode: 'refused' }), note(truck, 'uplink cut (dead zone)')),
      onUplinkRestore: (truck) => (of(truck).link.set({ mode: 'up' }), note(truck, 'uplink back')),
      onPowerCut: async (truck) => {
        await of(truck).process.kill9();
        note(truck, 'power cut: gateway killed');
      },
      onPowerRestore: async (truck) => {
        await of(truck).process.restart();
        note(truck, 'power back: gateway restarted');
      },
      onDepotWifi: (truck) => (of(truck).link.set({ mode: 'up' }), note(truck, 'depot Wi-Fi')),
      onDepotWifiEnd: (truck) => note(truck, 'left depot Wi-Fi'),
    },
    stop: async () => {
      await Promise.all([...gateways.values()].map(async (g) => {
        await g.process.stop();
        await g.link.close();
      }));
    },
  };
}
