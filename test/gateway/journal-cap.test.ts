/**
 * Filling the journal's byte cap while the hub is down evicts telemetry (oldest first) and never alerts, and every
 * count adds up: per lane, events received by the hub + events evicted = events journalled; the evicted counts are
 * the same in /metrics, in the getStatus direct method and in the twin's reported properties.
 */
import { describe, expect, it } from 'vitest';
import { auditLane } from './checks.ts';
import {
  gatewayConfig, metrics, Sensor, spawnGateway, sumMetric, tempDir, useTestHub, waitDrained, waitFor, writeConfig, writeProbeRules,
} from './support.ts';

const CAP = 128 * 1024;
const READINGS = 3000;
const CROSSINGS = 40;

const { hub, sensors } = useTestHub();

interface LaneCounts {
  lastAckedSeq: number;
  backlogEvents: number;
  evicted: number;
}

describe('journal byte cap with the hub down', () => {
  it('evicts the oldest telemetry, never an alert, and received + evicted = journalled in every lane', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const rulesFile = await writeProbeRules(dir);
    const cs = await hub.connectionString('gw-test');
    await hub.stop();
    const file = await writeConfig(
      dir,
      await gatewayConfig(dir, {
        uplink: { connectionString: cs, caFile: hub.caFile },
        // Eviction alone: downsampling has its own test (downsampling.test.ts).
        journal: { capBytes: CAP, evictionSlackBytes: 4096, downsampleWindowMs: 0 },
        alerts: { rulesFile },
      }),
    );
    const gw = spawnGateway(file);
    await gw.started;
    const load = new Sensor('s1', 'truck-1', gw.ports.mqtt, { inflight: 20, limit: READINGS });
    const alarm = new Sensor('s2', 'truck-1', gw.ports.mqtt);
    sensors.push(load, alarm);
    await Promise.all(sensors.map((s) => s.connected()));
    load.start();
    // Alerts interleaved with the telemetry flood: raise, clear, raise, ...
    for (let i = 0; i < CROSSINGS; i++) await alarm.publish({ signal: 'alarm_probe', value: i % 2 === 0 ? 90 : 10 });
    await load.finish();
    expect(load.acked.size).toBe(READINGS);

    const full = await metrics(gw.ports.http);
    const evictedTelemetry = full.get('fleetsync_gateway_evictions{lane="telemetry"}')!;
    const journalBytes = sumMetric(full, 'fleetsync_gateway_journal_bytes');
    expect(evictedTelemetry).toBeGreaterThan(READINGS / 2);
    expect(full.get('fleetsync_gateway_evictions{lane="alerts"}')).toBe(0);
    expect(journalBytes).toBeLessThanOrEqual(CAP);
    const alertsEmitted = sumMetric(full, 'fleetsync_gateway_alerts_total');
    expect(alertsEmitted).toBe(CROSSINGS);
    expect(full.get('fleetsync_gateway_journal_events{lane="alerts"}')).toBe(CROSSINGS);

    await hub.restart();
    await waitDrained(gw.ports.http);
    const status = await hub.hub.invokeMethod('gw-test', 'getStatus', null, 10);
    const lanes = (status.payload as { lanes: Record<string, LaneCounts> }).lanes;
    const reported = await waitFor('twin reported sync with the evictions', async () => {
      const twin = await hub.hub.getTwin('gw-test');
      const sync = (twin.reported as { sync?: { lanes?: Record<string, LaneCounts> } }).sync;
      return sync?.lanes?.telemetry?.evicted === evictedTelemetry ? sync.lanes : undefined;
    });
    const after = await metrics(gw.ports.http);
    expect(await gw.term()).toBe(0);

    const epoch = gw.bootId.split(':')[0]!;
    for (const lane of ['telemetry', 'alerts', 'status', 'rejects'] as const) {
      const a = auditLane(hub.sink.batches, lane, epoch);
      const evicted = after.get(`fleetsync_gateway_evictions{lane="${lane}"}`)!;
      const journalled = lanes[lane]!.lastAckedSeq;
      expect(a.distinct + evicted, `${lane}: received + evicted = journalled`).toBe(journalled);
      expect(lanes[lane]!.evicted).toBe(evicted);
      expect(reported[lane]!.evicted).toBe(evicted);
      // Oldest first: what reached the hub is exactly the newest (journalled - evicted) events.
      expect(a.events.map((e) => e.seq)).toEqual(Array.from({ length: a.distinct }, (_, i) => evicted + i + 1));
    }
    // Telemetry journalled = the flood + the probe readings; alerts: all of them, none evicted.
    expect(lanes.telemetry!.lastAckedSeq).toBe(READINGS + CROSSINGS);
    expect(after.get('fleetsync_gateway_evictions{lane="telemetry"}')).toBe(evictedTelemetry);
    const alerts = auditLane(hub.sink.batches, 'alerts', epoch);
    expect(alerts.distinct).toBe(CROSSINGS);
    expect(alerts.missing).toEqual([]);
    expect(alerts.events.map((e) => (e.kind === 'alert' ? e.body.state : null))).toEqual(
      Array.from({ length: CROSSINGS }, (_, i) => (i % 2 === 0 ? 'raised' : 'cleared')),
    );
    console.log(`cap test: cap ${CAP} B, ${READINGS + CROSSINGS} telemetry journalled, ${evictedTelemetry} evicted, ${CROSSINGS} alerts all delivered`);
  });
});
