import { existsSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { validateSettings } from '../shared/settings/load-settings.ts';
import { CloudSettings } from '../cloud/settings.ts';
import { startCloudService, type CloudService } from '../cloud/service.ts';
import { TokenStore } from '../cloud/auth/token-store.ts';
import { generateFleet, type FleetSpec } from './fleet.ts';
import { createFleetRun, type FleetRun } from './fleet-run.ts';
import { startFleetGateways, type FleetGateways } from './fleet-gateways.ts';
import type { GroundTruth } from './ground-truth.ts';

/** The scenario mix of the demo: alerts of several kinds, a dead zone, a power cut; the variety adds old firmware. */
export const DEMO_SCENARIOS = ['overheat', 'reefer-failure', 'harsh-braking', 'dead-zone', 'power-cut', 'sensor-flood'] as const;

export interface DemoOptions {
  trucks: number;
  speedup: number;
  dataDir: string;
  apiPort: number;
  /** Real seconds to run; until stop() when absent. */
  durationS?: number;
  seed?: number;
  /** Start from empty data even when an earlier run left some. */
  fresh?: boolean;
  scenarios?: readonly string[];
  log: Logger;
  /** Progress and notices for a person watching. */
  say?: (line: string) => void;
}

export interface Demo {
  cloud: CloudService;
  fleet: FleetRun;
  gateways: FleetGateways;
  spec: FleetSpec;
  /** How the data folder was found: new, reused, or replaced. */
  data: 'new' | 'reused' | 'replaced';
  apiUrl: string;
  operatorToken: string;
  /** Asks every gateway to send all it holds (direct method `flush`) and waits for the pipeline to catch up. */
  drain(timeoutS?: number): Promise<void>;
  /** Stops the sensors (letting acknowledgements drain), the gateways, then the cloud; returns the ground truth. */
  stop(opts?: { drain?: boolean }): Promise<GroundTruth>;
}

/**
 * The whole system on one machine: the cloud service (embedded IoT Hub endpoint, pipeline, API), one gateway
 * process per simulated truck, and the trucks' sensors. The simulated clock starts a little in the past and runs
 * faster than real time, so the demo's pipeline accepts event times up to 30 days ahead of the hub's clock.
 */
export async function startDemo(o: DemoOptions): Promise<Demo> {
  const say = o.say ?? (() => undefined);
  const dataDir = resolve(o.dataDir);
  const existed = existsSync(dataDir);
  let data: Demo['data'] = existed ? 'reused' : 'new';
  if (existed && o.fresh) {
    rmSync(dataDir, { recursive: true, force: true });
    data = 'replaced';
  }
  mkdirSync(dataDir, { recursive: true });
  say(
    data === 'reused'
      ? `reusing the data of an earlier run in ${dataDir} (devices, journals and history kept; --fresh starts over)`
      : data === 'replaced'
        ? `replaced the earlier data in ${dataDir}`
        : `new data folder ${dataDir}`,
  );

  const settings = validateSettings(
    CloudSettings,
    {
      dataDir: join(dataDir, 'cloud'),
      hub: { port: 0, hosts: ['localhost', '127.0.0.1'] },
      api: { port: o.apiPort },
      pipeline: { silver: { maxFutureS: 30 * 86_400 }, export: { everyS: 60 } },
      log: { level: o.log.level },
    },
    'demo settings',
  );
  const cloud = await startCloudService(settings, o.log);
  const hub = cloud.embedded!;
  say(`cloud service up: IoT Hub endpoint on port ${hub.port}, CA ${hub.caFile}`);
  const tokens = await TokenStore.open(settings.dataDir);
  const { token: operatorToken } = await tokens.create('operator', `demo ${new Date().toISOString()}`);

  const startMs = Date.now() - 2 * 3_600_000;
  const spec = generateFleet({ trucks: o.trucks, seed: o.seed ?? 1, scenarioMix: [...(o.scenarios ?? DEMO_SCENARIOS)], startMs });
  const plan = (await import('./truck.ts')).createTruck;
  const trucks = spec.trucks.map((t) => plan(t, spec.seed, spec.startMs));
  let gateways: FleetGateways;
  try {
    gateways = await startFleetGateways({
      trucks,
      dataDir: join(dataDir, 'trucks'),
      hub,
      overrides: { log: { level: 'info' } },
      onEvent: (vehicle, what) => say(`${vehicle}: ${what}`),
    });
  } catch (err) {
    await cloud.close();
    throw err;
  }
  say(`${trucks.length} gateways running, one process each`);

  const fleet = createFleetRun({
    fleet: spec,
    brokerUrl: (t) => gateways.brokerUrl(t),
    speedup: o.speedup,
    ...(o.durationS !== undefined ? { durationMs: o.durationS * 1000 * o.speedup } : {}),
    hooks: gateways.hooks,
    onHookError: (err) => o.log.warn({ err: (err as Error).message }, 'scenario hook failed'),
  });
  await fleet.ready(30_000);
  fleet.start();

  let stopped: Promise<GroundTruth> | null = null;
  const drain = async (timeoutS = 60): Promise<void> => {
    await Promise.all(
      trucks.map((t) =>
        cloud.hub.invokeMethod(t.vehicle, 'flush', { timeoutMs: (timeoutS - 5) * 1000 }, timeoutS).catch((err: Error) => say(`${t.vehicle}: flush failed: ${err.message}`)),
      ),
    );
    await cloud.pipeline.processPending();
  };
  return {
    drain,
    cloud,
    fleet,
    gateways,
    spec,
    data,
    apiUrl: cloud.apiUrl,
    operatorToken,
    stop: (opts = {}) =>
      (stopped ??= (async () => {
        const truth = await fleet.stop(10_000);
        if (opts.drain) await drain();
        await gateways.stop();
        await cloud.close();
        return truth;
      })()),
  };
}
