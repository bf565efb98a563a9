/**
 * A hub outage while sensors keep publishing: the hub endpoint is stopped for FLEETSYNC_OUTAGE_S seconds (default 15
 * in `npm test`; the long run uses several minutes, e.g. FLEETSYNC_OUTAGE_S=300) and started again on the same port.
 * Afterwards the backlog is drained, nothing acknowledged is lost, and the alerts raised during the outage reach
 * the hub before the telemetry backlog of the outage.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditLane, orderViolations, readingKeys } from './checks.ts';
import {
  gatewayConfig, healthz, metrics, Sensor, spawnGateway, sumMetric, tempDir, useTestHub, waitDrained, waitFor, writeConfig, writeProbeRules,
} from './support.ts';

const OUTAGE_S = Number(process.env.FLEETSYNC_OUTAGE_S ?? 15);
/** The gateway has noticed the outage by then (the endpoint closes the connection when it stops). */
const NOTICE_MS = 2000;

const { hub, sensors } = useTestHub();

describe(`hub outage of ${OUTAGE_S} s under load`, () => {
  it('drains the backlog afterwards, loses nothing, and delivers the outage alerts before the outage backlog', { timeout: 120_000 + OUTAGE_S * 2000 }, async () => {
    const dir = await tempDir();
    const rulesFile = await writeProbeRules(dir);
    const cs = await hub.connectionString('gw-test');
    const file = await writeConfig(
      dir,
      await gatewayConfig(dir, { uplink: { connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 200, batchTargetBytes: 16 * 1024 }, alerts: { rulesFile } }),
    );
    const gw = spawnGateway(file);
    await gw.started;
    const load = [new Sensor('s1', 'truck-1', gw.ports.mqtt, { inflight: 10, ratePerS: 100 }), new Sensor('s2', 'truck-1', gw.ports.mqtt, { inflight: 10, ratePerS: 100 })];
    const alarm = new Sensor('s3', 'truck-1', gw.ports.mqtt);
    sensors.push(...load, alarm);
    await Promise.all(sensors.map((s) => s.connected()));
    for (const s of load) s.start();
    await waitFor('batches at the hub', () => hub.sink.batches.some((b) => b.lane === 'telemetry'));

    const outageStart = Date.now();
    await hub.stop();
    await waitFor('the gateway to see the outage', async () => (await healthz(gw.ports.http)).uplink !== 'online');
    // Alerts during the outage: the probe crosses its threshold up and down once a second.
    let crossings = 0;
    while (Date.now() - outageStart < OUTAGE_S * 1000) {
      await alarm.publish({ signal: 'alarm_probe', value: crossings % 2 === 0 ? 80 : 20 });
      crossings++;
      await sleep(500);
    }
    await alarm.publish({ signal: 'alarm_probe', value: 20 });
    const outageEnd = Date.now();
    const before = await metrics(gw.ports.http);
    expect(before.get('fleetsync_gateway_journal_events{lane="telemetry"}')).toBeGreaterThan(OUTAGE_S * 100);
    expect(before.get('fleetsync_gateway_uplink_state{state="online"}')).toBe(0);
    const batchesBefore = hub.sink.batches.length;

    await hub.restart();
    const restartedAt = Date.now();
    // Live readings keep arriving, so "drained" means: nothing older than a moment is left unsent.
    await waitFor(
      'the outage backlog to drain',
      async () => ((await metrics(gw.ports.http)).get('fleetsync_gateway_oldest_unsent_seconds{lane="telemetry"}') ?? 99) < 1,
      60_000 + OUTAGE_S * 1000,
      100,
    );
    const drainedAt = Date.now();
    for (const s of load) await s.stop();
    await waitDrained(gw.ports.http);
    const m = await metrics(gw.ports.http);
    expect(await gw.term()).toBe(0);

    const epoch = gw.bootId.split(':')[0]!;
    expect(hub.sink.undecodable).toEqual([]);
    // Nothing lost, nothing out of place.
    for (const lane of ['telemetry', 'alerts', 'status'] as const) {
      const a = auditLane(hub.sink.batches, lane, epoch);
      expect(a.missing, `${lane}: seqs never received`).toEqual([]);
      expect(a.conflicting, `${lane}: seqs with different content`).toEqual([]);
    }
    const telemetry = auditLane(hub.sink.batches, 'telemetry', epoch);
    const atHub = readingKeys(telemetry.events);
    const lost = load.flatMap((s) => [...s.acked].filter((i) => !atHub.has(`${s.id}:${i}`)));
    expect(lost.length, 'acknowledged readings missing at the hub').toBe(0);
    expect(orderViolations(telemetry.events)).toEqual([]);
    expect(sumMetric(m, 'fleetsync_gateway_evictions')).toBe(0);

    // Every alert the gateway emitted reached the hub; the outage produced one per crossing (raise, clear, raise, ...).
    const alerts = auditLane(hub.sink.batches, 'alerts', epoch);
    expect(alerts.distinct).toBe(sumMetric(m, 'fleetsync_gateway_alerts_total'));
    const outageAlerts = alerts.events.filter((e) => e.rt >= outageStart && e.rt <= outageEnd);
    expect(outageAlerts.length).toBe(crossings + (crossings % 2));

    // After the hub came back: alerts first. Every outage alert arrived before the first batch of outage telemetry.
    const after = hub.sink.batches.filter((b) => b.order >= batchesBefore);
    expect(after[0]?.lane).toBe('alerts');
    const firstOrder = (pred: (rt: number) => boolean, lane: string): number[] =>
      after.filter((b) => b.lane === lane && b.events.some((e) => pred(e.rt))).map((b) => b.order);
    const inOutage = (rt: number): boolean => rt >= outageStart + NOTICE_MS && rt <= outageEnd;
    const alertOrders = firstOrder(inOutage, 'alerts');
    const backlogOrders = firstOrder(inOutage, 'telemetry');
    expect(alertOrders.length).toBeGreaterThan(0);
    expect(backlogOrders.length).toBeGreaterThan(0);
    expect(Math.max(...alertOrders)).toBeLessThan(Math.min(...backlogOrders));
    console.log(
      `outage test: ${OUTAGE_S} s outage, ${before.get('fleetsync_gateway_journal_events{lane="telemetry"}')} telemetry events backlogged, ` +
        `${outageAlerts.length} outage alerts, drained ${((drainedAt - restartedAt) / 1000).toFixed(1)} s after the restart (${after.length} batches in all); ${telemetry.duplicates} duplicate deliveries`,
    );
  });

  it('detects a hub that stops acknowledging (half-open link), reconnects, and still loses nothing', { timeout: 90_000 }, async () => {
    const dir = await tempDir();
    const cs = await hub.connectionString('gw-frozen');
    const file = await writeConfig(
      dir,
      await gatewayConfig(dir, { gatewayId: 'gw-frozen', uplink: { connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 100, sendTimeoutMs: 2000 } }),
    );
    const gw = spawnGateway(file);
    await gw.started;
    const epoch = gw.bootId.split(':')[0]!;
    const load = new Sensor('s1', 'truck-1', gw.ports.mqtt, { inflight: 10, ratePerS: 100 });
    sensors.push(load);
    await load.connected();
    load.start();
    await waitFor('batches from this gateway', () => hub.sink.batches.some((b) => b.epoch === epoch && b.lane === 'telemetry'));

    const release = hub.sink.stall();
    await gw.waitLog('a send timing out', (r) => r.msg === 'batch not acknowledged' && String(r.err).includes('timed out'), 30_000);
    await gw.waitLog('the link dropped and re-established', (r) => r.msg === 'uplink state' && r.state === 'online' && gw.logs.some((x) => x.msg === 'hub link lost'), 30_000);
    release();
    await waitFor(
      'the backlog to drain',
      async () => ((await metrics(gw.ports.http)).get('fleetsync_gateway_oldest_unsent_seconds{lane="telemetry"}') ?? 99) < 1,
      60_000,
      100,
    );
    await load.stop();
    await waitDrained(gw.ports.http);
    const m = await metrics(gw.ports.http);
    expect(await gw.term()).toBe(0);

    expect(m.get('fleetsync_gateway_send_failures_total')).toBeGreaterThan(0);
    const telemetry = auditLane(hub.sink.batches, 'telemetry', epoch);
    expect(telemetry.missing).toEqual([]);
    expect(telemetry.conflicting).toEqual([]);
    const atHub = readingKeys(telemetry.events);
    expect([...load.acked].filter((i) => !atHub.has(`s1:${i}`))).toEqual([]);
    expect(orderViolations(telemetry.events)).toEqual([]);
    console.log(`frozen hub: ${hub.sink.stalledCalls} messages held, ${telemetry.duplicates} duplicate deliveries afterwards`);
  });
});
