/**
 * Samples a running demo at a fixed real-time pace: one truck's journal backlog from its gateway's /metrics, its row
 * in GET /api/v1/vehicles (stamped with the simulated time), and the pipeline's rows per layer. A failed read is recorded as null (the
 * gateway may be down in a power cut), never thrown.
 */
import type { Demo } from '../../../firmware-sim/demo.ts';
import type { ApiClient, VehicleRow } from './api-client.ts';
import { gatewayBacklog } from './gateway-metrics.ts';

export interface BacklogSample {
  sim: number;
  real: number;
  /** Unsent telemetry and alert events in the gateway's journal; null when /metrics did not answer. */
  journal: number | null;
}

export interface ApiSample {
  sim: number;
  real: number;
  status: VehicleRow['status'] | null;
  backlogEvents: number | null;
}

/** Rows per layer from GET /api/v1/pipeline. */
export interface PipelineSample {
  real: number;
  silverAlerts: number;
  goldAlerts: number;
  pendingBatches: number;
}

export interface RunSampler {
  readonly journal: BacklogSample[];
  readonly api: ApiSample[];
  readonly pipeline: PipelineSample[];
  stop(): Promise<void>;
}

export function sampleVehicle(demo: Demo, api: ApiClient, vehicle: string, opts: { journalEveryMs?: number; apiEveryMs?: number; pipelineEveryMs?: number } = {}): RunSampler {
  const gw = demo.gateways.gateways.get(vehicle);
  if (!gw) throw new Error(`no gateway for ${vehicle}`);
  const journal: BacklogSample[] = [];
  const apiSamples: ApiSample[] = [];
  const pipeline: PipelineSample[] = [];
  let stopped = false;

  const every = async (ms: number, fn: () => Promise<void>): Promise<void> => {
    while (!stopped) {
      const next = Date.now() + ms;
      await fn();
      const wait = next - Date.now();
      if (wait > 0 && !stopped) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const loops = [
    every(opts.journalEveryMs ?? 250, async () => {
      const sim = demo.fleet.clock.now;
      const n = await gatewayBacklog(gw.statusUrl).catch(() => null);
      journal.push({ sim, real: Date.now(), journal: n });
    }),
    every(opts.apiEveryMs ?? 1000, async () => {
      const sim = demo.fleet.clock.now;
      const row = await api
        .get<{ vehicles: VehicleRow[] }>('/api/v1/vehicles')
        .then((b) => b.vehicles.find((v) => v.id === vehicle) ?? null)
        .catch(() => null);
      apiSamples.push({ sim, real: Date.now(), status: row?.status ?? null, backlogEvents: row?.backlog?.backlogEvents ?? null });
    }),
    every(opts.pipelineEveryMs ?? 2000, async () => {
      const p = await api
        .get<{ silver: { alerts: number; pendingBatches: number }; gold: { alerts: number } }>('/api/v1/pipeline')
        .catch(() => null);
      if (p) pipeline.push({ real: Date.now(), silverAlerts: p.silver.alerts, goldAlerts: p.gold.alerts, pendingBatches: p.silver.pendingBatches });
    }),
  ];
  return {
    journal,
    api: apiSamples,
    pipeline,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
