import { existsSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { validateSettings } from '../shared/settings/load-settings.ts';
import { CloudSettings } from '../cloud/settings.ts';
import { startCloudService, type CloudService } from '../cloud/service.ts';
import { TokenStore } from '../cloud/auth/token-store.ts';
import { generateFleet, type FleetSpec, type FleetVariety } from './fleet.ts';
import { createFleetRun, type FleetRun } from './fleet-run.ts';
import { startFleetGateways, type FleetGateways } from './fleet-gateways.ts';
import { createTruck } from './truck.ts';
import { watchDemoMilestones, type DemoMilestones } from './demo-milestones.ts';
import type { GroundTruth } from './ground-truth.ts';
import type { Scenario } from './scenario-schema.ts';

/** The scenario mix of the demo: alerts of several kinds, a dead zone, a power cut; the variety adds old firmware. */
export const DEMO_SCENARIOS = ['overheat', 'reefer-failure', 'harsh-braking', 'dead-zone', 'power-cut', 'sensor-flood'] as const;

export interface DemoOptions {
  trucks: number;
  speedup: number;
  dataDir: string;
  /** 0 picks a free port; `apiUrl` tells which. */
  apiPort: number;
  /** Real seconds at the speedup: the clock stops at `durationS x speedup` of simulated time; until stop() when absent. */
  durationS?: number;
  /** Simulated minutes to run (instead of `durationS`). */
  durationSimMin?: number;
  seed?: number;
  /** Start from empty data even when an earlier run left some. */
  fresh?: boolean;
  /** Library scenario names, files, or parsed scenarios. */
  scenarios?: readonly (string | Scenario)[];
  variety?: Partial<FleetVariety>;
  /** Simulated start time; default two hours ago. */
  startMs?: number;
  /**
   * Let simulated time run past the present (default false: the fleet plays at the speedup until it reaches now,
   * then in real time, so the dashboard's "last hours" keep showing the newest data).
   */
  aheadOfNow?: boolean;
  /** Keep every publication in the ground truth recorder (tests that match readings one by one). */
  keepLog?: boolean;
  /** Extra gateway settings for every truck (merged over the demo's). */
  gatewayOverrides?: Record<string, unknown>;
  /** Gateway log lines (JSON), e.g. for a test's failure report. */
  onGatewayLog?: (vehicle: string, line: string) => void;
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
  /** When every vehicle first showed as syncing in the API, and when the first alert arrived (real ms). */
  milestones: DemoMilestones;
  /** Asks every gateway to send all it holds (direct method `flush`) and waits for the pipeline to catch up. */
  drain(timeoutS?: number): Promise<void>;
  /** Stops the sensors (letting acknowledgements drain), the gateways, then the cloud; returns the ground truth. */
  stop(opts?: { drain?: boolean }): Promise<GroundTruth>;
}

/**
 * The whole system on one machine: the cloud service (embedded IoT Hub endpoint, pipeline, API), one gateway
 * process per simulated truck, and the trucks' sensors. The simulated clock starts a little in the past and plays
 * the scenarios faster than real time until it reaches the present, then follows real time. The pipeline accepts
 * event times up to 30 days ahead of the hub's clock anyway (`aheadOfNow`, or a clock behind the gateways').
 * Whatever fails during start, what was started is stopped again before the error is thrown.
 */
export async function startDemo(o: DemoOptions): Promise<Demo> {
  const say = o.say ?? (() => undefined);
  const t0 = Date.now();
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
  const cleanups: (() => Promise<void>)[] = [() => cloud.close()];
  const undo = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const hub = cloud.embedded!;
    say(`cloud service up: IoT Hub endpoint on port ${hub.port}, API ${cloud.apiUrl}`);
    const tokens = await TokenStore.open(settings.dataDir);
    const { token: operatorToken } = await tokens.create('operator', `demo ${new Date().toISOString()}`);

    const startMs = o.startMs ?? Date.now() - 2 * 3_600_000;
    const spec = generateFleet({
      trucks: o.trucks,
      seed: o.seed ?? 1,
      scenarioMix: [...(o.scenarios ?? DEMO_SCENARIOS)],
      startMs,
      ...(o.variety ? { variety: o.variety } : {}),
    });
    for (const s of spec.scenarios) say(`scenario ${s.scenario}: ${s.vehicles.join(', ') || '(no truck fits)'}`);
    const trucks = spec.trucks.map((t) => createTruck(t, spec.seed, spec.startMs));
    const gateways = await startFleetGateways({
      trucks,
      dataDir: join(dataDir, 'trucks'),
      hub,
      overrides: {
        log: { level: 'info' },
        // Simulated time runs `speedup` times faster: a minute's reconnect backoff would be an hour of driving.
        uplink: { retryMaxMs: Math.max(1000, Math.min(60_000, Math.round(60_000 / o.speedup))) },
        ...o.gatewayOverrides,
      },
      onEvent: (vehicle, what) => say(`${vehicle}: ${what}`),
      ...(o.onGatewayLog ? { onLog: o.onGatewayLog } : {}),
    });
    cleanups.push(() => gateways.stop());
    say(`${trucks.length} gateways running, one process each`);

    const durationMs = o.durationSimMin !== undefined ? o.durationSimMin * 60_000 : o.durationS !== undefined ? o.durationS * 1000 * o.speedup : undefined;
    const fleet = createFleetRun({
      fleet: spec,
      brokerUrl: (t) => gateways.brokerUrl(t),
      speedup: o.speedup,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(o.keepLog ? { keepLog: true } : {}),
      ...(o.aheadOfNow ? {} : { notAfterNow: true }),
      hooks: gateways.hooks,
      onHookError: (err, n) => say(`${n.type} hook failed: ${(err as Error).message}`),
    });
    cleanups.push(async () => void (await fleet.stop(0)));
    await fleet.ready(30_000);
    fleet.start();

    const milestones = watchDemoMilestones({
      apiUrl: cloud.apiUrl,
      token: operatorToken,
      vehicles: trucks.map((t) => t.vehicle),
      say,
      since: t0,
    });
    cleanups.push(async () => milestones.stop());

    let stopped: Promise<GroundTruth> | null = null;
    const drain = async (timeoutS = 60): Promise<void> => {
      await Promise.all(
        trucks.map((t) =>
          cloud.hub
            .invokeMethod(t.vehicle, 'flush', { timeoutMs: (timeoutS - 5) * 1000 }, timeoutS)
            .catch((err: Error) => say(`${t.vehicle}: flush failed: ${err.message}`)),
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
      milestones,
      stop: (opts = {}) =>
        (stopped ??= (async () => {
          milestones.stop();
          try {
            const truth = await fleet.stop(10_000);
            if (opts.drain) await drain();
            return truth;
          } finally {
            await gateways.stop();
            await cloud.close();
          }
        })()),
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
