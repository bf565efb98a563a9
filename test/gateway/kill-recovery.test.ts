/**
 * kill -9 under sensor load loses nothing. A real gateway process (real LevelDB, real SDK to the embedded hub) is
 * killed FLEETSYNC_KILLS times (default 10) at random moments while three sensors publish; each time it restarts on
 * the same data folder and port. Afterwards: every reading that got a PUBACK is at the hub, and per lane the hub saw
 * exactly the seqs 1..N (no gap), each seq always with the same content (so dedup by (epoch, lane, seq) is sound),
 * and in seq order every sensor's readings appear in the order the sensor published them.
 * FLEETSYNC_KILL_SEED replays a schedule.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditLane, orderViolations, prng, readingKeys } from './checks.ts';
import {
  gatewayConfig, Sensor, spawnGateway, tempDir, useTestHub, waitDrained, writeConfig, type GatewayProcess,
} from './support.ts';

const KILLS = Number(process.env.FLEETSYNC_KILLS ?? 10);
const SEED = Number(process.env.FLEETSYNC_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SENSORS = ['s1', 's2', 's3'];

const { hub, sensors } = useTestHub();

describe(`gateway killed with SIGKILL ${KILLS} times under load (seed ${SEED})`, () => {
  it('loses no acknowledged reading; per lane the hub sees seqs 1..N without gaps, stable content and per-sensor order', { timeout: 90_000 + KILLS * 15_000 }, async () => {
    const random = prng(SEED);
    const dir = await tempDir();
    const cs = await hub.connectionString('gw-test');
    const base = await gatewayConfig(dir, { uplink: { connectionString: cs, caFile: hub.caFile, inflight: 4, telemetryMaxAgeMs: 50, batchTargetBytes: 4096 }, log: { level: 'warn' } }, SENSORS);
    let file = await writeConfig(dir, { ...base, log: { level: 'info' } });

    let gw: GatewayProcess = spawnGateway(file);
    await gw.started;
    // Restarts keep the port, so the sensors' MQTT.js clients reconnect by themselves and resend what was in flight.
    file = await writeConfig(dir, { ...base, log: { level: 'info' }, broker: { host: '127.0.0.1', port: gw.ports.mqtt } });
    for (const id of SENSORS) sensors.push(new Sensor(id, 'truck-1', gw.ports.mqtt, { inflight: 10, ratePerS: 150 }));
    await Promise.all(sensors.map((s) => s.connected()));
    for (const s of sensors) s.start();

    const epochs = new Set<string>([gw.bootId.split(':')[0]!]);
    const schedule: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const ackedBefore = sensors.reduce((n, s) => n + s.acked.size, 0);
      const delay = Math.round(300 + random() * 3000);
      schedule.push(delay);
      await sleep(delay);
      await gw.kill9();
      // At least once the kill must have hit a gateway that was taking data.
      if (k === 0) expect(sensors.reduce((n, s) => n + s.acked.size, 0)).toBeGreaterThan(ackedBefore);
      gw = spawnGateway(file);
      await gw.started;
      epochs.add(gw.bootId.split(':')[0]!);
    }
    await sleep(1500);
    for (const s of sensors) await s.stop();
    await waitDrained(gw.ports.http, 60_000);
    const status = await hub.hub.invokeMethod('gw-test', 'getStatus', null, 10);
    expect(await gw.term()).toBe(0);

    const acked = sensors.reduce((n, s) => n + s.acked.size, 0);
    console.log(`kill test: seed ${SEED}, ${KILLS} kills after ${schedule.join(', ')} ms; ${acked} readings acknowledged; ${hub.sink.batches.length} batches at the hub`);

    expect(hub.sink.undecodable).toEqual([]);
    expect(epochs.size).toBe(1);
    const epoch = [...epochs][0]!;
    expect(new Set(hub.sink.batches.map((b) => b.epoch))).toEqual(epochs);

    const lanes = (status.payload as { lanes: Record<string, { lastAckedSeq: number; backlogEvents: number; evicted: number }> }).lanes;
    for (const lane of ['telemetry', 'status', 'alerts', 'rejects'] as const) {
      const a = auditLane(hub.sink.batches, lane, epoch);
      expect(a.badBatches, `${lane}: malformed batches`).toEqual([]);
      expect(a.conflicting, `${lane}: seqs seen with different content`).toEqual([]);
      expect(a.missing, `${lane}: seqs never received`).toEqual([]);
      expect(lanes[lane]!.lastAckedSeq, `${lane}: gateway's acked head`).toBe(a.maxSeq);
      expect(lanes[lane]!.backlogEvents).toBe(0);
      expect(lanes[lane]!.evicted).toBe(0);
      if (lane === 'telemetry') console.log(`kill test: telemetry seqs 1..${a.maxSeq}, ${a.duplicates} duplicate deliveries`);
    }

    const telemetry = auditLane(hub.sink.batches, 'telemetry', epoch);
    const atHub = readingKeys(telemetry.events);
    const lost = sensors.flatMap((s) => [...s.acked].filter((i) => !atHub.has(`${s.id}:${i}`)).map((i) => `${s.id}:${i}`));
    expect(lost.slice(0, 20), `${lost.length} acknowledged readings missing at the hub`).toEqual([]);
    expect(orderViolations(telemetry.events)).toEqual([]);
    expect(acked).toBeGreaterThan(KILLS * 50);
  });
});
