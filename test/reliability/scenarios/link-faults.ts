/**
 * A full gateway (in this process) whose uplink goes through firmware-sim's link proxy to the embedded hub, while
 * sensors publish numbered QoS 1 readings. The link is switched through a list of faults (connection refused,
 * black hole, slow, flapping, an outage, a restart of the hub endpoint), each followed by a recovery check: new batches reach the hub over the
 * restored link. At the end the journal drains and every reading a sensor got a PUBACK for is at the hub
 * (deduplicated by epoch, lane and seq). Shared by the fast test (seconds per fault) and the chaos suite (minutes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startLinkProxy, type LinkCondition, type LinkProxy } from '../../../firmware-sim/link-proxy.ts';
import { auditLane, readingKeys } from '../../gateway/checks.ts';
import { Sensor, startTestHub, tempDir, type TestHub } from '../../gateway/support.ts';
import { startTestGateway, type TestGateway } from '../gateway-kit.ts';
import { waitFor } from '../support.ts';

export type Fault =
  | { kind: 'refused' | 'blackhole' | 'outage'; seconds: number }
  | { kind: 'slow'; seconds: number; latencyMs: number; bytesPerSecond: number }
  | { kind: 'flapping'; seconds: number; everyMs: number }
  /** The hub endpoint stops (devices are disconnected) and starts again on the same port after `seconds`. */
  | { kind: 'hub-restart'; seconds: number };

export interface FaultFigures {
  fault: string;
  seconds: number;
  /** Readings the sensors got a PUBACK for while the fault lasted. */
  ackedDuring: number;
  /** Seconds from the end of the fault until a new batch arrived at the hub. */
  recoveryS: number;
}

export interface LinkFaultFigures {
  faults: FaultFigures[];
  readingsPublished: number;
  readingsAcked: number;
  readingsAtHub: number;
  lost: number;
  /** Events the hub received more than once (deduplicated by the cloud). */
  duplicateDeliveries: number;
  missingSeqs: number;
  batches: number;
  reconnects: number;
}

const conditionOf = (f: Exclude<Fault, { kind: 'hub-restart' | 'flapping' }>): LinkCondition =>
  f.kind === 'slow' ? { mode: 'slow', latencyMs: f.latencyMs, bytesPerSecond: f.bytesPerSecond } : f.kind === 'blackhole' ? { mode: 'blackhole' } : { mode: 'refused' };

async function inject(proxy: LinkProxy, hub: TestHub, f: Fault): Promise<void> {
  if (f.kind === 'hub-restart') {
    await hub.stop();
    await sleep(f.seconds * 1000);
    await hub.restart();
    return;
  }
  if (f.kind !== 'flapping') {
    proxy.set(conditionOf(f));
    await sleep(f.seconds * 1000);
    return;
  }
  const end = Date.now() + f.seconds * 1000;
  let down = true;
  while (Date.now() < end) {
    proxy.set(down ? { mode: 'refused' } : { mode: 'up' });
    down = !down;
    await sleep(Math.min(f.everyMs, Math.max(0, end - Date.now())));
  }
}

export async function runLinkFaults(opts: { faults: Fault[]; ratePerS?: number }): Promise<LinkFaultFigures> {
  const hub: TestHub = await startTestHub();
  const proxy = await startLinkProxy({ host: '127.0.0.1', port: hub.port });
  let t: TestGateway | undefined;
  const sensors: Sensor[] = [];
  try {
    await hub.hub.registry.add('gw-link');
    const cs = await hub.hub.connectionString('gw-link', 'primary', `127.0.0.1:${proxy.port}`);
    const dir = await tempDir('fleetsync-link-');
    t = await startTestGateway(dir, {
      gatewayId: 'gw-link',
      log: { level: 'info' },
      uplink: {
        connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 50, batchTargetBytes: 8192,
        sendTimeoutMs: 3000, twinTimeoutMs: 3000, keepaliveS: 5, retryMinMs: 100, retryMaxMs: 1000,
      },
    });
    const gw = t.gw;
    await waitFor('the uplink to come online', () => gw.link?.state === 'online', 30_000);
    for (const id of ['s1', 's2']) sensors.push(new Sensor(id, 'truck-1', gw.ports.mqtt!, { inflight: 10, ratePerS: opts.ratePerS ?? 40 }));
    await Promise.all(sensors.map((s) => s.connected()));
    for (const s of sensors) s.start();
    const acked = (): number => sensors.reduce((n, s) => n + s.acked.size, 0);
    await waitFor('batches at the hub', () => hub.sink.batches.length > 3, 30_000);

    const faults: FaultFigures[] = [];
    for (const f of opts.faults) {
      const ackedBefore = acked();
      await inject(proxy, hub, f);
      proxy.set({ mode: 'up' });
      const ended = Date.now();
      const batchesAtEnd = hub.sink.batches.length;
      await waitFor(`recovery after ${f.kind}`, () => hub.sink.batches.length > batchesAtEnd + 1 && gw.link?.state === 'online', 120_000, 50);
      faults.push({ fault: f.kind, seconds: f.seconds, ackedDuring: acked() - ackedBefore, recoveryS: Math.round((Date.now() - ended) / 100) / 10 });
    }

    for (const s of sensors) await s.stop();
    await waitFor(
      'the journal to drain',
      () => (['alerts', 'telemetry', 'status', 'rejects'] as const).every((l) => gw.journal.laneStatus(l).backlogEvents === 0),
      120_000,
      100,
    );
    const epoch = gw.journal.epoch;
    const telemetry = auditLane(hub.sink.batches, 'telemetry', epoch);
    const atHub = readingKeys(telemetry.events);
    const lost = sensors.reduce((n, s) => n + [...s.acked].filter((i) => !atHub.has(`${s.id}:${i}`)).length, 0);
    return {
      faults,
      readingsPublished: sensors.reduce((n, s) => n + s.published.size, 0),
      readingsAcked: acked(),
      readingsAtHub: atHub.size,
      lost,
      duplicateDeliveries: telemetry.duplicates,
      missingSeqs: telemetry.missing.length + telemetry.conflicting.length,
      batches: hub.sink.batches.length,
      reconnects: gw.link?.reconnects ?? 0,
    };
  } finally {
    for (const s of sensors) await s.end();
    await t?.gw.close().catch(() => undefined);
    await proxy.close();
    await hub.stop().catch(() => undefined);
  }
}
