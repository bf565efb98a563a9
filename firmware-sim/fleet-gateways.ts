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
  /** `http://127.0.0.1:<port>` of the gateway's /metrics and /healthz (changes after a power cut). */
  readonly statusUrl: string;
}

/**
 * What the gateways need of the hub endpoint: the embedded hub of a cloud service in this process, or a view of one
 * running as its own process (its registry file, port and CA certificate).
 */
export type FleetHub = Pick<EmbeddedHub, 'port' | 'caFile' | 'connectionString'> & { registry: Pick<EmbeddedHub['registry'], 'get' | 'add'> };

export interface FleetGatewaysOptions {
  trucks: readonly Truck[];
  /** Each truck's gateway keeps its data in `<dataDir>/<vehicle>`. */
  dataDir: string;
  hub: FleetHub;
  /** Extra gateway settings merged into every truck's (e.g. uplink batching, log level). */
  overrides?: Record<string, unknown>;
  /** Gateways starting at once (each is a Node process that loads the whole gateway). */
  startConcurrency?: number;
  startTimeoutMs?: number;
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

/** Runs `fn` over `items` with at most `n` at a time; settles every call even when some fail. */
async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

/**
 * Starts one real gateway process per truck. The gateway's device identity is the vehicle id, registered in the hub
 * (reused when it exists), and it reaches the hub through a loopback link proxy the scenarios switch off and on.
 * Rules run on the sensors' clock, because the simulation runs faster than real time. If any gateway fails to
 * start, the ones that did are stopped again before the error is thrown.
 */
export async function startFleetGateways(opts: FleetGatewaysOptions): Promise<FleetGateways> {
  const over = opts.overrides ?? {};
  // The registry file takes one writer at a time: register one after the other, not all at once.
  const connection = new Map<string, string>();
  const links = new Map<string, LinkProxy>();
  const closeLinks = async (): Promise<void> => {
    await Promise.all([...links.values()].map((l) => l.close()));
  };
  try {
    for (const truck of opts.trucks) {
      if (!(await opts.hub.registry.get(truck.vehicle))) await opts.hub.registry.add(truck.vehicle);
      const link = await startLinkProxy({ host: '127.0.0.1', port: opts.hub.port });
      links.set(truck.vehicle, link);
      connection.set(truck.vehicle, await opts.hub.connectionString(truck.vehicle, 'primary', `localhost:${link.port}`));
    }
  } catch (err) {
    await closeLinks();
    throw err;
  }

  const start = async (truck: Truck): Promise<TruckGateway> => {
    const vehicle = truck.vehicle;
    const link = links.get(vehicle)!;
    const sensors = await Promise.all(
      truck.credentials().map(async (c) => ({ id: c.sensor, username: c.username, passwordHash: await hashPassword(c.password) })),
    );
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
        connectionString: connection.get(vehicle)!,
        caFile: opts.hub.caFile,
      },
      alerts: { clock: 'sensor', ...((over.alerts as object | undefined) ?? {}) },
      log: { level: 'info', ...((over.log as object | undefined) ?? {}) },
    };
    const proc = await startGatewayProcess({
      truckId: vehicle,
      settings,
      dir: join(opts.dataDir, vehicle),
      ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
      ...(opts.onLog ? { onLog: (line: string) => opts.onLog!(vehicle, line) } : {}),
      onUnexpectedExit: (code, signal, stderr) => opts.onEvent?.(vehicle, `gateway exited unexpectedly (${code ?? signal})${stderr ? `: ${stderr}` : ''}`),
    });
    return {
      vehicle,
      process: proc,
      link,
      brokerUrl: `mqtt://127.0.0.1:${proc.ports.mqtt}`,
      get statusUrl() {
        return `http://127.0.0.1:${proc.ports.http}`;
      },
    };
  };

  const gateways = new Map<string, TruckGateway>();
  const results = await pool(opts.trucks, opts.startConcurrency ?? 4, start);
  for (const r of results) if (r.status === 'fulfilled') gateways.set(r.value.vehicle, r.value);
  const stopAll = async (): Promise<void> => {
    await Promise.all([...gateways.values()].map((g) => g.process.stop()));
    await closeLinks();
  };
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    await stopAll();
    const first = failed[0]!.reason as Error;
    throw new Error(`${failed.length} of ${opts.trucks.length} gateway(s) did not start: ${first.message}`, { cause: first });
  }

  const of = (truck: Truck): TruckGateway => {
    const g = gateways.get(truck.vehicle);
    if (!g) throw new Error(`no gateway for ${truck.vehicle}`);
    return g;
  };
  const note = (truck: Truck, what: string): void => {
    opts.onEvent?.(truck.vehicle, what);
  };
  // Hooks are not awaited by the clock: a restart must wait for the kill before it of the same truck.
  const chains = new Map<string, Promise<unknown>>();
  let stopping = false;
  const inOrder = (truck: Truck, fn: () => Promise<void>): Promise<void> => {
    const guarded = async (): Promise<void> => {
      if (!stopping) await fn();
    };
    const run = (chains.get(truck.vehicle) ?? Promise.resolve()).then(guarded, guarded);
    chains.set(truck.vehicle, run.catch(() => undefined));
    return run;
  };
  return {
    gateways,
    brokerUrl: (truck) => of(truck).brokerUrl,
    hooks: {
      onUplinkCut: (truck) => {
        of(truck).link.set({ mode: 'refused' });
        note(truck, 'uplink cut (dead zone)');
      },
      onUplinkRestore: (truck) => {
        of(truck).link.set({ mode: 'up' });
        note(truck, 'uplink back');
      },
      onPowerCut: (truck) =>
        inOrder(truck, async () => {
          await of(truck).process.kill9();
          note(truck, 'power cut: gateway killed');
        }),
      onPowerRestore: (truck) =>
        inOrder(truck, async () => {
          await of(truck).process.restart();
          note(truck, 'power back: gateway restarted');
        }),
      onDepotWifi: (truck) => {
        of(truck).link.set({ mode: 'up' });
        note(truck, 'depot Wi-Fi');
      },
      onDepotWifiEnd: (truck) => {
        note(truck, 'left depot Wi-Fi');
      },
    },
    stop: async () => {
      stopping = true;
      await Promise.all(chains.values());
      await stopAll();
    },
  };
}
