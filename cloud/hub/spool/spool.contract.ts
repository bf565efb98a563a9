/**
 * The spool's behaviour, whatever store holds it: what ingest replicas write, the pipeline replica imports once,
 * in order, and removes; what it cannot read it quarantines; what the sink refuses it keeps for later.
 * spool-local.test.ts and spool-azure-blob.test.ts run it against a folder and against Azurite.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportTarget } from '../../storage/export-target.ts';
import type { DeviceConnectionEvent, HubSource } from '../hub-source.ts';
import type { HubTelemetry, IngestSink } from '../ingest-sink.ts';
import { encodeSegment } from './segment-codec.ts';
import { QUARANTINE_PREFIX, SPOOL_PREFIX, segmentKey } from './segment-key.ts';
import { SpoolHubSource } from './spool-source.ts';
import { SpoolWriter } from './spool-writer.ts';

/** Stores by messageId like Bronze does, and can be told to refuse. */
class RecordingSink implements IngestSink {
  readonly stored = new Map<string, HubTelemetry>();
  readonly order: string[] = [];
  refuseLeft = 0;
  async accept(msg: HubTelemetry): Promise<void> {
    if (this.refuseLeft > 0) {
      this.refuseLeft--;
      throw new Error('Bronze is busy');
    }
    const id = msg.system.messageId ?? '';
    if (!this.stored.has(id)) this.order.push(id);
    this.stored.set(id, msg);
  }
  async close(): Promise<void> {}
}

/** The IoT Hub service side, which these tests do not exercise: only its connection notices and start/stop. */
class ServiceSide implements HubSource {
  started = 0;
  stopped = 0;
  private listener: ((e: DeviceConnectionEvent) => void) | undefined;
  async start(): Promise<void> {
    this.started++;
  }
  async stop(): Promise<void> {
    this.stopped++;
  }
  getTwin(): never {
    throw new Error('not in this test');
  }
  updateDesired(): never {
    throw new Error('not in this test');
  }
  invokeMethod(): never {
    throw new Error('not in this test');
  }
  sendC2D(): never {
    throw new Error('not in this test');
  }
  onConnection(l: (e: DeviceConnectionEvent) => void): () => void {
    this.listener = l;
    return () => (this.listener = undefined);
  }
  notify(e: DeviceConnectionEvent): void {
    this.listener?.(e);
  }
}

const msg = (writer: string, i: number): HubTelemetry => ({
  deviceId: `gw-${i % 4}`,
  body: Buffer.from(`${writer}:${i}`),
  system: { messageId: `${writer}-${i}`, contentType: 'application/vnd.fleetsync.batch' },
  properties: { lane: 'telemetry' },
  enqueuedAt: 1_754_000_000_000 + i,
});

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function spoolContract(name: string, make: (label: string) => Promise<ExportTarget>): void {
  describe(`spool contract: ${name}`, () => {
    const running: SpoolHubSource[] = [];
    afterAll(async () => {
      await Promise.all(running.map((s) => s.stop()));
    });
    const source = (target: ExportTarget, service = new ServiceSide()) => {
      const s = new SpoolHubSource(target, service, { pollIntervalMs: 20, concurrency: 8 });
      running.push(s);
      return s;
    };

    it('imports every message that two writers stored, once, and empties the spool', async () => {
      const target = await make('two-writers');
      const a = new SpoolWriter(target, { writer: 'ingest-a', flushDelayMs: 5, maxRecords: 7, maxBytes: 1 << 20 });
      const b = new SpoolWriter(target, { writer: 'ingest-b', flushDelayMs: 5, maxRecords: 7, maxBytes: 1 << 20 });
      await Promise.all([...Array.from({ length: 40 }, (_, i) => a.accept(msg('a', i))), ...Array.from({ length: 25 }, (_, i) => b.accept(msg('b', i)))]);
      await Promise.all([a.close(), b.close()]);
      const sink = new RecordingSink();
      const s = source(target);
      await s.start(sink);
      await s.drained();
      expect(sink.stored.size).toBe(65);
      expect(Buffer.from(sink.stored.get('b-24')!.body).toString()).toBe('b:24');
      // Within one writer, records keep their order.
      const fromA = sink.order.filter((id) => id.startsWith('a-'));
      expect(fromA).toEqual(Array.from({ length: 40 }, (_, i) => `a-${i}`));
      expect(await target.list(SPOOL_PREFIX)).toEqual([]);
      expect(s.stats()).toMatchObject({ segmentsImported: 10, recordsImported: 65, pendingSegments: 0, segmentsQuarantined: 0 });
      await s.stop();
    });

    it('moves a segment it cannot read to the quarantine, counts it, and imports the good ones around it', async () => {
      const target = await make('corrupt');
      const good = (i: number) => encodeSegment({ writer: 'w', createdAt: i, records: [{ kind: 'telemetry', msg: msg('g', i) }] });
      const torn = good(2).subarray(0, 20);
      await target.putBytes(segmentKey(1, 'w', 1), good(1));
      await target.putBytes(segmentKey(2, 'w', 2), torn);
      await target.putBytes(segmentKey(3, 'w', 3), good(3));
      const sink = new RecordingSink();
      const s = source(target);
      await s.start(sink);
      await s.drained();
      expect([...sink.stored.keys()].sort()).toEqual(['g-1', 'g-3']);
      expect(s.stats().segmentsQuarantined).toBe(1);
      const quarantined = await target.list(QUARANTINE_PREFIX);
      expect(quarantined).toEqual([`${QUARANTINE_PREFIX}${segmentKey(2, 'w', 2).slice(SPOOL_PREFIX.length)}`]);
      expect(Buffer.from((await target.get(quarantined[0]!))!).equals(Buffer.from(torn))).toBe(true);
      await s.stop();
    });

    it('keeps a segment the sink refused and imports it on a later try, without losing or repeating a message', async () => {
      const target = await make('refused');
      const w = new SpoolWriter(target, { writer: 'w', flushDelayMs: 5, maxRecords: 50, maxBytes: 1 << 20 });
      await Promise.all(Array.from({ length: 20 }, (_, i) => w.accept(msg('r', i))));
      await w.close();
      const sink = new RecordingSink();
      sink.refuseLeft = 3;
      const s = source(target);
      await s.start(sink);
      await s.drained();
      expect(sink.stored.size).toBe(20);
      expect(s.stats().importFailures).toBeGreaterThanOrEqual(1);
      expect(await target.list(SPOOL_PREFIX)).toEqual([]);
      await s.stop();
    });

    it('passes on connection notices from the spool and from the service side; stops the service side with itself', async () => {
      const target = await make('notices');
      const service = new ServiceSide();
      const s = source(target, service);
      const seen: DeviceConnectionEvent[] = [];
      s.onConnection((e) => seen.push(e));
      await s.start(new RecordingSink());
      expect(service.started).toBe(1);
      const w = new SpoolWriter(target, { writer: 'w', flushDelayMs: 5, maxRecords: 50, maxBytes: 1 << 20 });
      w.note({ deviceId: 'gw-1', connected: true, at: 10 });
      await w.close();
      service.notify({ deviceId: 'gw-2', connected: false, at: 11 });
      await until(() => seen.length === 2, 'both notices');
      expect(seen.map((e) => e.deviceId).sort()).toEqual(['gw-1', 'gw-2']);
      await s.stop();
      expect(service.stopped).toBe(1);
    });

    it('reports the pending segments and the age of the oldest while the sink is down', async () => {
      const target = await make('lag');
      await target.putBytes(segmentKey(1_000, 'w', 1), encodeSegment({ writer: 'w', createdAt: 1_000, records: [{ kind: 'telemetry', msg: msg('l', 1) }] }));
      await target.putBytes(segmentKey(2_000, 'w', 2), encodeSegment({ writer: 'w', createdAt: 2_000, records: [{ kind: 'telemetry', msg: msg('l', 2) }] }));
      const sink = new RecordingSink();
      sink.refuseLeft = Number.MAX_SAFE_INTEGER;
      const s = new SpoolHubSource(target, new ServiceSide(), { pollIntervalMs: 20, concurrency: 1, now: () => 61_000 });
      running.push(s);
      await s.start(sink);
      await until(() => s.stats().importFailures > 0, 'a refused import');
      expect(s.stats()).toMatchObject({ pendingSegments: 2, oldestPendingAgeMs: 60_000, segmentsImported: 0 });
      await s.stop();
    });
  });
}
