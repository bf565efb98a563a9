/**
 * A gateway process whose own wall clock jumps (libfaketime, test/support/faked-clock.ts) while sensors publish
 * numbered readings through it to the cloud in this process (embedded hub and pipeline, real DuckDB), over a link
 * proxy that drops the connection once in each clock phase, so the gateway also reconnects (TLS and a new SAS token)
 * under the wrong clock. Afterwards: every acknowledged reading is in Silver exactly once, the telemetry lane's seqs
 * are gap-free, the sensor time (event_ms) is what the sensor sent, the gateway's receive time (gateway_ms) follows
 * the gateway's clock, the hub's (ingest_ms) stays real. Shared by the fast test and the chaos suite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startGatewayProcess, type GatewayProcess } from '../../firmware-sim/gateway-process.ts';
import { startLinkProxy, type LinkProxy } from '../../firmware-sim/link-proxy.ts';
import { gatewayConfig, Sensor, tempDir } from '../gateway/support.ts';
import { gatewayBacklog, metricSum } from '../e2e/support/gateway-metrics.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { fakedClock } from '../support/faked-clock.ts';
import { startCloudInProcess, type CloudInProcess } from './pipeline-kit.ts';
import { expect } from 'vitest';

const GATEWAY = 'gw-clock';
const VEHICLE = 'truck-clock';
const HOUR = 3_600_000;
const STATUS_AHEAD = `lane = 'status' AND reason = 'event_time_future'`;

export interface ClockPhase {
  /** Gateway clock offset from real time during the phase. */
  offsetMs: number;
  /** Real seconds the phase lasts (sensors publishing); the link drops for a second in its middle. */
  seconds: number;
}

export interface ClockJumpFigures {
  phases: { offsetH: number; seconds: number; ackedDuring: number; reconnected: boolean }[];
  readingsPublished: number;
  readingsAcked: number;
  inSilver: number;
  lost: number;
  duplicated: number;
  /** Silver rows no sensor sent. */
  unknown: number;
  /** Telemetry seqs in 1..max missing from Silver, and seqs stored twice. */
  missingSeqs: number;
  duplicateSeqs: number;
  /** Rows whose gateway time is the sensor time plus each phase's offset (within a minute), per phase offset. */
  gatewayTimeByOffsetH: Record<string, number>;
  /** Rows whose gateway time fits none of the offsets. */
  gatewayTimeElsewhere: number;
  /** Rows whose sensor time or hub time lies outside the real time of the run. */
  eventTimeOutsideRun: number;
  ingestTimeOutsideRun: number;
  /** Quarantined rows other than statusAheadOfHub. */
  quarantined: number;
  /**
   * The gateway's status snapshots stamped by its clock while that ran ahead of the hub: quarantined as from the
   * future, as they should be. It journals one whenever its uplink comes online, so reconnects inside a forward phase
   * make them.
   */
  statusAheadOfHub: number;
  /**
   * Telemetry events the gateway sent in the first seconds after each jump back (to a smaller offset), before the
   * link dropped. Batch ages run on the monotonic clock, so a batch started before the jump still leaves on time.
   */
  sentAfterJumpBack: number[];
  reconnects: number;
}

const metricsOf = async (gw: GatewayProcess): Promise<string> => (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
const telemetrySent = async (gw: GatewayProcess): Promise<number> => metricSum(await metricsOf(gw), 'fleetsync_gateway_events_sent_total', 'lane="telemetry"');

export async function runClockJump(opts: { phases: ClockPhase[]; ratePerS?: number; jumpBackWindowS?: number }): Promise<ClockJumpFigures> {
  const t0 = Date.now();
  const cloud: CloudInProcess = await startCloudInProcess();
  let proxy: LinkProxy | undefined;
  let gw: GatewayProcess | undefined;
  const sensors: Sensor[] = [];
  try {
    proxy = await startLinkProxy({ host: '127.0.0.1', port: cloud.hub.port });
    const link = proxy;
    await cloud.hub.registry.add(GATEWAY);
    const cs = await cloud.hub.connectionString(GATEWAY, 'primary', `127.0.0.1:${link.port}`);
    const dir = await tempDir('fleetsync-clock-');
    const clock = await fakedClock(dir, opts.phases[0]?.offsetMs ?? 0);
    const settings = await gatewayConfig(dir, {
      gatewayId: GATEWAY,
      vehicle: VEHICLE,
      uplink: { connectionString: cs, caFile: cloud.hub.caFile, retryMinMs: 100, retryMaxMs: 500, sendTimeoutMs: 3000, twinTimeoutMs: 3000, keepaliveS: 5 },
      // Rules run on the gateway's receive time here (the product default), the clock that jumps.
      alerts: { clock: 'receive' },
    });
    const logs: string[] = [];
    const g = await startGatewayProcess({ truckId: GATEWAY, settings, dir, env: clock.env, onLog: (l) => void (logs.length < 5000 && logs.push(l)) });
    gw = g;
    const reconnects = (): number => logs.filter((l) => l.includes('"uplink state"') && l.includes('"state":"online"')).length;
    for (const id of ['s1', 's2']) sensors.push(new Sensor(id, VEHICLE, g.ports.mqtt, { inflight: 10, ratePerS: opts.ratePerS ?? 20 }));
    await Promise.all(sensors.map((s) => s.connected()));
    for (const s of sensors) s.start();
    const acked = (): number => sensors.reduce((n, s) => n + s.acked.size, 0);
    await waitFor('telemetry at the hub', async () => (await telemetrySent(g)) > 0, { timeoutMs: 30_000 });

    const phases: ClockJumpFigures['phases'] = [];
    const sentAfterJumpBack: number[] = [];
    for (const [i, p] of opts.phases.entries()) {
      const before = acked();
      const back = i > 0 && p.offsetMs < opts.phases[i - 1]!.offsetMs;
      if (i > 0) await clock.set(p.offsetMs);
      const half = (p.seconds * 1000) / 2;
      if (back) {
        const sent0 = await telemetrySent(g);
        await sleep(Math.max(half, (opts.jumpBackWindowS ?? 0) * 1000));
        sentAfterJumpBack.push((await telemetrySent(g)) - sent0);
      } else await sleep(half);
      // The link drops: the gateway reconnects with a token and a TLS check made on the jumped clock.
      link.set({ mode: 'refused' });
      await sleep(1000);
      link.set({ mode: 'up' });
      const sent = await telemetrySent(g);
      const reconnected = await waitFor('telemetry after the link came back', async () => (await telemetrySent(g)) > sent, { timeoutMs: 30_000 }).then(
        () => true,
        () => false,
      );
      await sleep(half);
      phases.push({ offsetH: p.offsetMs / HOUR, seconds: p.seconds, ackedDuring: acked() - before, reconnected });
    }

    for (const s of sensors) await s.stop();
    await cloud.hub.invokeMethod(GATEWAY, 'flush', { timeoutMs: 20_000 }, 25);
    await waitFor('the gateway journal to drain', async () => (await gatewayBacklog(`http://127.0.0.1:${g.ports.http}`)) === 0, { timeoutMs: 30_000 });
    await cloud.settle();
    const t1 = Date.now();

    const rows = await cloud.sql(
      `SELECT sensor, value_num, seq, epoch, event_ms::DOUBLE, gateway_ms::DOUBLE, ingest_ms::DOUBLE FROM silver_readings WHERE vehicle = '${VEHICLE}' AND signal = 'seq_probe'`,
    );
    const count = new Map<string, number>();
    const seqs = new Map<number, number>();
    const byOffset: Record<string, number> = {};
    const offsets = [...new Set(opts.phases.map((p) => p.offsetMs))];
    let elsewhere = 0;
    let eventOutside = 0;
    let ingestOutside = 0;
    for (const [sensor, value, seq, , eventMs, gatewayMs, ingestMs] of rows) {
      const key = `${String(sensor)}:${Number(value)}`;
      count.set(key, (count.get(key) ?? 0) + 1);
      seqs.set(Number(seq), (seqs.get(Number(seq)) ?? 0) + 1);
      const skew = Number(gatewayMs) - Number(eventMs);
      const o = offsets.find((x) => Math.abs(skew - x) < 60_000);
      if (o === undefined) elsewhere++;
      else byOffset[String(o / HOUR)] = (byOffset[String(o / HOUR)] ?? 0) + 1;
      if (Number(eventMs) < t0 || Number(eventMs) > t1) eventOutside++;
      if (Number(ingestMs) < t0 || Number(ingestMs) > t1) ingestOutside++;
    }
    const ackedKeys = sensors.flatMap((s) => [...s.acked].map((i) => `${s.id}:${i}`));
    const sentKeys = new Set(sensors.flatMap((s) => [...s.published].map((i) => `${s.id}:${i}`)));
    // The telemetry lane carries only these readings, so its seqs must run 1..N without a hole.
    const maxSeq = Math.max(0, ...seqs.keys());
    let missingSeqs = 0;
    for (let s = 1; s <= maxSeq; s++) if (!seqs.has(s)) missingSeqs++;
    const [[quarantined, statusAhead]] = (await cloud.sql(
      `SELECT count(*) FILTER (WHERE NOT ${STATUS_AHEAD})::DOUBLE, count(*) FILTER (WHERE ${STATUS_AHEAD})::DOUBLE FROM quarantine WHERE device_id = '${GATEWAY}'`,
    )) as [[number, number]];
    return {
      phases,
      readingsPublished: sentKeys.size,
      readingsAcked: ackedKeys.length,
      inSilver: count.size,
      lost: ackedKeys.filter((k) => !count.has(k)).length,
      duplicated: [...count.values()].filter((n) => n > 1).length,
      unknown: [...count.keys()].filter((k) => !sentKeys.has(k)).length,
      missingSeqs,
      duplicateSeqs: [...seqs.values()].filter((n) => n > 1).length,
      gatewayTimeByOffsetH: byOffset,
      gatewayTimeElsewhere: elsewhere,
      eventTimeOutsideRun: eventOutside,
      ingestTimeOutsideRun: ingestOutside,
      quarantined: Number(quarantined),
      statusAheadOfHub: Number(statusAhead),
      sentAfterJumpBack,
      reconnects: reconnects(),
    };
  } finally {
    for (const s of sensors) await s.end();
    await gw?.stop().catch(() => undefined);
    await proxy?.close();
    await cloud.close().catch(() => undefined);
  }
}

/**
 * What every clock-jump run must show: nothing acknowledged lost or doubled, seqs gap-free, nothing quarantined,
 * telemetry flowing right after each jump back (batch ages do not follow the wall clock), receive times stamped
 * only at the phases' offsets, and sensor and hub times within the real time of the run.
 */
export function expectClockJumpHeld(f: ClockJumpFigures, offsetsH: readonly number[]): void {
  expect(f.phases.every((p) => p.reconnected), 'reconnected after every phase').toBe(true);
  expect(f.lost).toBe(0);
  expect(f.duplicated).toBe(0);
  expect(f.unknown).toBe(0);
  expect(f.missingSeqs).toBe(0);
  expect(f.duplicateSeqs).toBe(0);
  expect(f.quarantined).toBe(0);
  expect(f.sentAfterJumpBack.length).toBeGreaterThan(0);
  for (const n of f.sentAfterJumpBack) expect(n).toBeGreaterThan(0);
  for (const h of offsetsH) expect(f.gatewayTimeByOffsetH[String(h)], `rows stamped at offset ${h} h`).toBeGreaterThan(0);
  expect(f.gatewayTimeElsewhere).toBe(0);
  expect(f.eventTimeOutsideRun).toBe(0);
  expect(f.ingestTimeOutsideRun).toBe(0);
}

