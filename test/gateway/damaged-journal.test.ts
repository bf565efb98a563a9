/**
 * A journal value damaged on disk must not stop a lane for good. A gateway that starts on a journal whose stored
 * block holds one event that no longer decodes sends the others to the hub, drops that one as an eviction (counted,
 * logged with its seq, in /metrics), and drains to an empty backlog.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Level } from 'level';
import { Packr } from 'msgpackr';
import { encodeBlock } from '../../edge/journal/block-format.ts';
import { eventKey } from '../../edge/journal/keys.ts';
import { itemFor } from '../../edge/journal/test-items.ts';
import { gatewayConfig, metrics, spawnGateway, tempDir, useTestHub, waitDrained, waitFor, writeConfig } from './support.ts';

const { hub } = useTestHub();

describe('gateway on a damaged journal', () => {
  it('sends what decodes, drops and counts what does not, and drains', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const config = await gatewayConfig(dir, { uplink: { connectionString: await hub.connectionString('gw-test'), caFile: hub.caFile, telemetryMaxAgeMs: 0 } });
    const packr = new Packr({ useRecords: false });
    const good = (seq: number): Uint8Array => packr.pack({ seq, ...itemFor('telemetry', seq) });
    const db = new Level<Uint8Array, Uint8Array>(join(config.dataDir as string, 'journal'), { keyEncoding: 'view', valueEncoding: 'view' });
    // Seq 2 is cut short: it no longer decodes.
    await db.put(eventKey('telemetry', 1), encodeBlock([good(1), good(2).subarray(0, 10), good(3)]));
    await db.close();

    const gw = spawnGateway(await writeConfig(dir, config));
    await gw.started;
    await waitFor('seqs 1 and 3 at the hub', () => {
      const seqs = hub.sink.batches.filter((b) => b.lane === 'telemetry').flatMap((b) => b.events.map((e) => e.seq));
      return seqs.includes(1) && seqs.includes(3);
    });
    await waitDrained(gw.ports.http);
    const m = await metrics(gw.ports.http);
    expect(m.get('fleetsync_gateway_journal_undecodable_total{lane="telemetry"}')).toBe(1);
    expect(m.get('fleetsync_gateway_journal_events{lane="telemetry"}')).toBe(0);
    expect(m.get('fleetsync_gateway_evictions{lane="telemetry"}')).toBe(1);
    expect(gw.logs.find((r) => r.msg === 'stored event does not decode; left out of the uplink')).toMatchObject({ lane: 'telemetry', seq: 2 });
    const sent = hub.sink.batches.filter((b) => b.lane === 'telemetry').flatMap((b) => b.events.map((e) => e.seq));
    expect(sent).not.toContain(2);
  });
});
