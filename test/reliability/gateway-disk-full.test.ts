/**
 * The gateway's disk fills up under sensor load. Its data folder is on a small tmpfs mounted for the test (root is
 * needed; elsewhere the test is skipped): a filler file takes most of the space, a sensor publishes incompressible
 * QoS 1 readings until the journal cannot store them. The gateway must then stop acknowledging (no PUBACK for what
 * it could not store), keep running, and, when the filler is deleted, accept again: the sensor's unacknowledged
 * readings are resent and stored, and every reading that was ever acknowledged is in the journal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { SENSOR_PASSWORD } from '../gateway/support.ts';
import { counter, laneEvents, startTestGateway, type TestGateway } from './gateway-kit.ts';
import { recordResult, waitFor } from './support.ts';

let mnt = '';
let mounted = false;
let t: TestGateway | undefined;
let sensor: MqttClient | undefined;

beforeAll(() => {
  mnt = mkdtempSync(join(tmpdir(), 'fleetsync-gw-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});

afterAll(async () => {
  await sensor?.endAsync(true).catch(() => undefined);
  await t?.gw.close().catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

describe('gateway with a full disk', () => {
  it('stops acknowledging what it cannot store, keeps running, and accepts again once space returns', { timeout: 120_000 }, async (ctx) => {
    if (!mounted) ctx.skip();
    t = await startTestGateway(mnt, {
      journal: { reopenMinMs: 20, reopenMaxMs: 200, maintenanceIntervalMs: 60_000, compactAfterDeletedBytes: 0 },
    });
    const gw = t.gw;
    const filler = join(mnt, 'filler');
    writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(mnt) - 3 * 1024 * 1024), 1));

    sensor = mqtt.connect(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { username: 's1', password: SENSOR_PASSWORD, clientId: 'disk-full-s1', reconnectPeriod: 100, clean: false, keepalive: 10 });
    sensor.on('error', () => undefined);
    await new Promise<void>((r) => sensor!.once('connect', () => r()));
    const acked = new Set<number>();
    const published: number[] = [];
    const pending = new Map<number, Promise<void>>();
    let n = 0;
    const publish = (): void => {
      const i = ++n;
      published.push(i);
      const body = JSON.stringify({ v: 2, signal: 'fill_probe', value: i, unit: 'count', sensorTime: Date.now(), quality: 'good', blob: randomBytes(3000).toString('base64') });
      const p = sensor!.publishAsync('fleet/truck-1/s1/reading', body, { qos: 1 }).then(() => void acked.add(i), () => undefined);
      pending.set(i, p);
      void p.finally(() => pending.delete(i));
    };

    // Publish with up to 8 in flight until the broker stops acknowledging for a while: the disk is full.
    let lastAckAt = Date.now();
    let lastAcked = 0;
    while (Date.now() - lastAckAt < 2000) {
      while (pending.size < 8 && n < 20_000) publish();
      await sleep(20);
      if (acked.size !== lastAcked) {
        lastAcked = acked.size;
        lastAckAt = Date.now();
      }
    }
    const ackedWhenFull = acked.size;
    const unackedWhenFull = published.length - ackedWhenFull;
    expect(ackedWhenFull).toBeGreaterThan(0);
    expect(unackedWhenFull).toBeGreaterThan(0);
    expect(await counter(gw, 'fleetsync_gateway_store_failures_total')).toBeGreaterThan(0);
    expect(t.records.some((r) => r.msg === 'publish not stored')).toBe(true);
    // Still full: a while later nothing more was acknowledged, and the gateway is alive.
    await sleep(1000);
    expect(acked.size).toBe(ackedWhenFull);
    expect(gw.journal.state === 'open' || gw.journal.state === 'recovering').toBe(true);

    rmSync(filler);
    await waitFor('every reading to be acknowledged after space returned', () => acked.size === published.length, 60_000, 100);
    await waitFor('the journal to be open', () => gw.journal.state === 'open', 10_000);
    const values = new Set((await laneEvents(gw, 'telemetry')).flatMap((e) => (e.kind === 'reading' && e.body.signal === 'fill_probe' ? [e.body.value as number] : [])));
    const lost = [...acked].filter((i) => !values.has(i));
    expect(lost).toEqual([]);
    // Seqs stay gapless across the failed writes.
    const seqs = (await laneEvents(gw, 'telemetry')).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k));
    recordResult('gateway-disk-full', {
      tmpfsMiB: 16,
      published: published.length,
      ackedBeforeFull: ackedWhenFull,
      notAckedWhileFull: unackedWhenFull,
      storeFailures: await counter(gw, 'fleetsync_gateway_store_failures_total'),
      ackedInTheEnd: acked.size,
      inJournal: values.size,
      lost: lost.length,
    });
  });
});
