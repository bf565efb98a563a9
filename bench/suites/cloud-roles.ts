/**
 * The split cloud roles (cloud/hub/spool): what the spool costs against Bronze taking the messages directly, as the
 * single-process deployment does. All on real files in a temporary folder, with the same fleet of batches:
 *  - ingest replica: messages into the spool (SpoolWriter on a local folder, fsynced; 400 accepts in flight, as 4
 *    partitions x a batch of 100), against Bronze's own accept of the same messages (DuckDB commit; 4 x 16 in
 *    flight, the single-process default);
 *  - the same spool writes to Azure Blob, here the Azurite emulator on loopback (no network latency: a floor, not
 *    what a storage account gives), against the local folder;
 *  - pipeline replica: importing that spool into Bronze (SpoolHubSource), against Bronze's direct accept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow, BenchSuite } from '../harness.ts';
import { batchId, messageProperties, readBatchHeader } from '../../shared/wire/index.ts';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import type { HubTelemetry, IngestSink } from '../../cloud/hub/ingest-sink.ts';
import type { HubSource } from '../../cloud/hub/hub-source.ts';
import { SpoolHubSource, SpoolWriter } from '../../cloud/hub/spool/index.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { AzureBlobExportTarget } from '../../cloud/storage/azure-blob-target.ts';
import type { ExportTarget } from '../../cloud/storage/export-target.ts';
import { startAzurite } from '../../test/pipeline/azurite.ts';
import { fleet } from './pipeline.ts';

/** Accepts in flight from 4 partitions: 16 each in role all (sinkConcurrency), a whole batch of 100 in role ingest. */
const IN_FLIGHT_ALL = 64;
const IN_FLIGHT_INGEST = 400;
const GROUP = 'Cloud scale-out (spool)';

function messages(f: ReturnType<typeof fleet>): HubTelemetry[] {
  return f.batches.map(([deviceId, body, enqueuedAt]) => {
    const h = readBatchHeader(body);
    return { deviceId, body, system: { messageId: batchId(h) }, properties: messageProperties(h), enqueuedAt };
  });
}

/** Hands every message to the sink with `inFlight` accepts outstanding; returns the elapsed ms. */
async function feed(sink: IngestSink, msgs: HubTelemetry[], inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < msgs.length) await sink.accept(msgs[next++] as HubTelemetry);
    }),
  );
  return performance.now() - t0;
}

/** The IoT Hub service side is not part of this measurement. */
const noService = {
  start: async () => {},
  stop: async () => {},
  onConnection: () => () => {},
} as unknown as HubSource;

async function run(quick: boolean): Promise<BenchRow[]> {
  const f = fleet(quick ? 20 : 100, quick ? 600 : 1200, 1, 200);
  const msgs = messages(f);
  const warm = messages(fleet(4, 120, 1, 200, 10_000));
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-bench-roles-'));
  const azurite = await startAzurite();
  try {
    const open = (name: string) => openPipeline({ dataDir: join(dir, name), settings: { export: { enabled: false } } });

    // Baseline: Bronze accepts the messages itself (role all).
    const direct = await open('direct');
    await feed(direct.sink, warm, IN_FLIGHT_ALL);
    const directMs = await feed(direct.sink, msgs, IN_FLIGHT_ALL);
    await direct.close();

    const spoolInto = async (target: ExportTarget, writer: string): Promise<number> => {
      const w = new SpoolWriter(target, { writer, flushDelayMs: 50, maxRecords: 2000, maxBytes: 4 << 20 });
      await feed(w, warm, IN_FLIGHT_INGEST);
      const elapsed = await feed(w, msgs, IN_FLIGHT_INGEST);
      await w.close();
      return elapsed;
    };
    const local = new LocalExportTarget(join(dir, 'spool'));
    const localMs = await spoolInto(local, 'bench-local');
    const blob = new AzureBlobExportTarget({ connectionString: azurite.connectionString, container: 'fleetsync-spool', createIfMissing: true });
    const blobMs = await spoolInto(blob, 'bench-blob');

    // The pipeline replica imports what the local writer stored (warm-up messages included: they are counted).
    const imported = await open('imported');
    const source = new SpoolHubSource(local, noService, { pollIntervalMs: 50, concurrency: IN_FLIGHT_ALL });
    const t0 = performance.now();
    await source.start(imported.sink);
    await source.drained();
    const importMs = performance.now() - t0;
    const stats = source.stats();
    await source.stop();
    const stored = imported.bronzeStats.stored;
    await imported.close();
    if (stored !== msgs.length + warm.length) throw new Error(`imported ${stored} of ${msgs.length + warm.length} messages`);

    const perS = (n: number, ms: number) => n / (ms / 1000);
    const bytes = msgs.reduce((s, m) => s + m.body.length, 0);
    const note = `${msgs.length.toLocaleString('en-US')} messages (${(bytes / msgs.length / 1024).toFixed(1)} KiB each, ${f.events.toLocaleString('en-US')} events); in flight: ${IN_FLIGHT_INGEST} to the spool (4 partitions x a batch of 100), ${IN_FLIGHT_ALL} to Bronze (4 x 16)`;
    return [
      {
        group: GROUP,
        name: 'ingest replica: messages into the spool (local folder, fsync)',
        value: perS(msgs.length, localMs),
        unit: 'msgs/s',
        baseline: { name: 'Bronze accepting them directly (role all)', value: perS(msgs.length, directMs) },
        higherIsBetter: true,
        note,
      },
      {
        group: GROUP,
        name: 'ingest replica: messages into the spool (Azure Blob, Azurite on loopback)',
        value: perS(msgs.length, blobMs),
        unit: 'msgs/s',
        baseline: { name: 'the same into a local folder', value: perS(msgs.length, localMs) },
        higherIsBetter: true,
        note: 'the emulator has no network latency: a real storage account is slower per segment, and segments grow to compensate',
      },
      {
        group: GROUP,
        name: 'pipeline replica: spool imported into Bronze',
        value: perS(stored, importMs),
        unit: 'msgs/s',
        baseline: { name: 'Bronze accepting them directly (role all)', value: perS(msgs.length, directMs) },
        higherIsBetter: true,
        note: `${stats.segmentsImported} segments; includes listing, reading, checksum and msgpack decoding, and deleting each segment`,
      },
    ];
  } finally {
    await azurite.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const cloudRolesSuite: BenchSuite = {
  name: 'cloud-roles',
  run: ({ quick }) => run(quick),
};
