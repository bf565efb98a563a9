/**
 * SIGTERM under load stops the gateway cleanly (exit 0, "gateway stopped", everything it accepted written and what
 * the hub acknowledged deleted), and a restart on the same folder resumes exactly where it stopped: same epoch, the
 * next boot id, and every lane's seqs continue with the next number, with no gap, no reuse and no event sent twice.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditLane, orderViolations, readingKeys } from './checks.ts';
import { gatewayConfig, Sensor, spawnGateway, tempDir, useTestHub, waitDrained, waitFor, writeConfig } from './support.ts';

const { hub, sensors } = useTestHub();

describe('SIGTERM and restart', () => {
  it('stops cleanly under load and resumes every lane at the next seq', { timeout: 90_000 }, async () => {
    const dir = await tempDir();
    const cs = await hub.connectionString('gw-test');
    const base = await gatewayConfig(dir, { uplink: { connectionString: cs, caFile: hub.caFile, telemetryMaxAgeMs: 100, batchTargetBytes: 8192 } });
    let file = await writeConfig(dir, base);
    const first = spawnGateway(file);
    await first.started;
    file = await writeConfig(dir, { ...base, broker: { host: '127.0.0.1', port: first.ports.mqtt } });
    for (const id of ['s1', 's2']) sensors.push(new Sensor(id, 'truck-1', first.ports.mqtt, { inflight: 10, ratePerS: 150 }));
    await Promise.all(sensors.map((s) => s.connected()));
    for (const s of sensors) s.start();
    await waitFor('telemetry at the hub', () => hub.sink.batches.filter((b) => b.lane === 'telemetry').length >= 3);
    await sleep(500);

    expect(await first.term()).toBe(0);
    const stoppedAt = Date.now();
    expect(first.logs.some((r) => r.msg === 'gateway stopped')).toBe(true);
    expect(first.logs.filter((r) => r.level >= 50)).toEqual([]);
    const firstBoot = hub.sink.batches.length;

    const secondStartedAt = Date.now();
    const second = spawnGateway(file);
    await second.started;
    const [epoch, boot] = first.bootId.split(':');
    expect(second.bootId).toBe(`${epoch}:${Number(boot) + 1}`);
    await sleep(1500);
    for (const s of sensors) await s.stop();
    await waitDrained(second.ports.http);
    const reported = await waitFor('the new boot id in the twin', async () => {
      const sync = ((await hub.hub.getTwin('gw-test')).reported as { sync?: { bootId?: string } }).sync;
      return sync?.bootId === second.bootId ? sync : undefined;
    });
    expect(reported.bootId).toBe(second.bootId);
    expect(await second.term()).toBe(0);

    for (const lane of ['telemetry', 'status'] as const) {
      const a = auditLane(hub.sink.batches, lane, epoch!);
      expect(a.missing, `${lane}: gaps`).toEqual([]);
      expect(a.duplicates, `${lane}: events delivered twice after a clean stop`).toBe(0);
      // Seqs of the first run form 1..K and the second run continues at K+1.
      const firstRun = hub.sink.batches.filter((b) => b.order < firstBoot && b.lane === lane).flatMap((b) => b.events.map((e) => e.seq));
      const secondRun = hub.sink.batches.filter((b) => b.order >= firstBoot && b.lane === lane).flatMap((b) => b.events.map((e) => e.seq));
      expect(firstRun.length).toBeGreaterThan(0);
      expect(secondRun.length).toBeGreaterThan(0);
      expect(Math.min(...secondRun)).toBe(Math.max(...firstRun) + 1);
    }
    // The status lane holds two snapshots per boot: at start, and when the uplink came online.
    expect(auditLane(hub.sink.batches, 'status', epoch!).events.map((e) => (e.kind === 'status' ? e.body.bootId : ''))).toEqual([first.bootId, first.bootId, second.bootId, second.bootId]);

    const telemetry = auditLane(hub.sink.batches, 'telemetry', epoch!);
    const atHub = readingKeys(telemetry.events);
    for (const s of sensors) expect([...s.acked].filter((i) => !atHub.has(`${s.id}:${i}`))).toEqual([]);
    expect(orderViolations(telemetry.events)).toEqual([]);
    // Seq assignment continues too: what the second run received is numbered right after what the first run received.
    const byRt = (pred: (rt: number) => boolean): number[] => telemetry.events.filter((e) => pred(e.rt)).map((e) => e.seq);
    expect(Math.min(...byRt((rt) => rt >= secondStartedAt))).toBe(Math.max(...byRt((rt) => rt <= stoppedAt)) + 1);
  });

  it('stops cleanly with SIGTERM while the hub is unreachable', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const cs = await hub.connectionString('gw-offline');
    await hub.stop();
    try {
      const gw = spawnGateway(await writeConfig(dir, await gatewayConfig(dir, { gatewayId: 'gw-offline', uplink: { connectionString: cs, caFile: hub.caFile } })));
      await gw.started;
      await gw.waitLog('a failed hub connection attempt', (r) => r.msg === 'hub connection attempt failed');
      expect(await gw.term()).toBe(0);
      expect(gw.logs.some((r) => r.msg === 'gateway stopped')).toBe(true);
    } finally {
      await hub.restart();
    }
  });
});
