/**
 * Scale-out by roles: two ingest replicas split the Event Hubs partitions and write a shared spool in real Azurite
 * blob storage; one pipeline replica imports the spool into a real DuckDB Bronze, Silver and Gold, and serves the API.
 * Event Hubs itself cannot run here: the partitions and checkpoint store are the fake from cloud/hub/azure/fake-azure.ts,
 * and the test plays the SDK's load balancer (which replica pumps which partition).
 *
 * One replica "loses" a segment's acknowledgement (the blob is stored, the write reports failure), so its partition's
 * checkpoint stays behind; that replica then dies and the other takes its partitions over from the checkpoints and
 * reads those messages again. Silver must hold every reading exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureHubSource, parseAzureHubSettings, type AzureHubSource } from '../../cloud/hub/azure/index.ts';
import { FakeEventHubConsumerClient, FakeRegistry, FakeServiceClient, fakeEventHub, type FakeEventHub } from '../../cloud/hub/azure/fake-azure.ts';
import { startIngestReplica, type IngestReplica } from '../../cloud/ingest-replica.ts';
import { startCloudService, type CloudService } from '../../cloud/service.ts';
import { CloudSettings } from '../../cloud/settings.ts';
import { AzureBlobExportTarget } from '../../cloud/storage/azure-blob-target.ts';
import { SPOOL_PREFIX } from '../../cloud/hub/spool/index.ts';
import { validateSettings } from '../../shared/settings/load-settings.ts';
import { startAzurite, type RunningAzurite } from '../pipeline/azurite.ts';
import { FakeGateway, hubMessage, reading } from '../pipeline/fixtures.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const DEVICES = 4;
const BATCHES = 12;
const READINGS_PER_BATCH = 10;
const T0 = Date.now() - 3_600_000;

let azurite: RunningAzurite;
let dir: string;
const log = pino({ level: 'silent' });

function settings(role: 'ingest' | 'pipeline', name: string): CloudSettings {
  return validateSettings(
    CloudSettings,
    {
      dataDir: join(dir, name),
      mode: 'azure',
      role,
      azure: {
        iotHub: { connectionString: `HostName=fleet-hub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=${KEY}` },
        eventHub: {
          connectionString: `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${KEY};EntityPath=fleet-hub`,
          // A refused segment fails its batch at once, so the checkpoint stays behind it.
          sinkRetries: 0,
          sinkRetryDelayMs: 0,
        },
        checkpoint: { connectionString: 'UseDevelopmentStorage=true' },
      },
      spool: {
        target: { kind: 'azure-blob', connectionString: azurite.connectionString, container: 'fleetsync-spool', createIfMissing: true },
        flushDelayMs: 10,
        pollIntervalMs: 50,
      },
      pipeline: { export: { enabled: false } },
      api: { port: 0 },
    },
    `${name} settings`,
  );
}

/** A real Azurite container whose writes can be told to store the blob and then report failure (a lost response). */
class LosesAcks extends AzureBlobExportTarget {
  losing = false;
  lost = 0;
  override async putBytes(key: string, data: Uint8Array): Promise<void> {
    await super.putBytes(key, data);
    if (this.losing) {
      this.lost++;
      throw new Error('connection reset after the upload');
    }
  }
}

function fakeHub(s: CloudSettings, consumer: FakeEventHubConsumerClient): AzureHubSource {
  return createAzureHubSource(parseAzureHubSettings(s.azure, 'azure'), { consumer, registry: new FakeRegistry(), service: new FakeServiceClient() });
}

/** Each device's batches go to its own partition, as IoT Hub keeps a device on one partition. */
function publishFleet(hub: FakeEventHub): number {
  const client = new FakeEventHubConsumerClient(5, hub);
  let readings = 0;
  for (let d = 0; d < DEVICES; d++) {
    const vehicle = `TRK-90${d}`;
    const gw = new FakeGateway(`gw-${vehicle}`, vehicle, `01JNZ8Q3W5M7Y2K4T6V8X0B1C${'ABCD'[d]}`);
    for (let b = 0; b < BATCHES; b++) {
      const t = T0 + b * 60_000;
      const events = gw.stamp(
        'telemetry',
        Array.from({ length: READINGS_PER_BATCH }, (_, i) => reading(vehicle, 'engine_speed', 700 + i + b, 'rpm', t + i * 1000)),
      );
      readings += events.length;
      const m = hubMessage(gw.device, gw.batch('telemetry', events), t + 20_000);
      client.publish(String(d), {
        body: Buffer.from(m.body),
        properties: m.properties,
        systemProperties: {
          'iothub-connection-device-id': m.deviceId,
          'iothub-enqueuedtime': m.enqueuedAt,
          'iothub-message-source': 'Telemetry',
          messageId: m.system.messageId,
          contentType: m.system.contentType,
          contentEncoding: m.system.contentEncoding,
        },
        enqueuedTimeUtc: new Date(m.enqueuedAt),
        ...(m.system.messageId ? { messageId: m.system.messageId } : {}),
      });
    }
  }
  client.publish('0', {
    body: Buffer.from(JSON.stringify({ sequenceNumber: '000000000000000001C' })),
    properties: { opType: 'deviceConnected', deviceId: 'gw-TRK-900', operationTimestamp: new Date(T0).toISOString() },
    systemProperties: { 'iothub-message-source': 'deviceConnectionStateEvents', 'iothub-enqueuedtime': T0 },
    enqueuedTimeUtc: new Date(T0),
  });
  return readings;
}

async function pumpAll(client: FakeEventHubConsumerClient, partitions: string[]): Promise<void> {
  for (const p of partitions) while (await client.pumpOnce(p));
}

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const metric = (text: string, name: string): number => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
};

describe('cloud scale-out: ingest replicas, shared spool, one pipeline (fake Event Hubs, real Azurite and DuckDB)', () => {
  let pipeline: CloudService | undefined;
  const replicas: IngestReplica[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(join(tmpdir(), 'fleetsync-scale-out-'));
  }, 30_000);
  afterAll(async () => {
    for (const r of replicas) await r.close().catch(() => undefined);
    await pipeline?.close().catch(() => undefined);
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every reading once in Silver after a replica loses an acknowledgement and dies', async () => {
    const hub = fakeEventHub();
    const expected = publishFleet(hub);
    const idle = new FakeEventHubConsumerClient(5, fakeEventHub());
    const ps = settings('pipeline', 'pipeline');
    pipeline = await startCloudService(ps, log, { spoolService: fakeHub(ps, idle) });

    const aSettings = settings('ingest', 'ingest-a');
    const aClient = new FakeEventHubConsumerClient(5, hub);
    const aTarget = new LosesAcks({ connectionString: azurite.connectionString, container: 'fleetsync-spool', createIfMissing: true });
    let aClock = Date.now();
    const a = await startIngestReplica(aSettings, log, { hub: fakeHub(aSettings, aClient), writerName: 'ingest-a', spoolTarget: aTarget, now: () => aClock });
    replicas.push(a);
    const bSettings = settings('ingest', 'ingest-b');
    const bClient = new FakeEventHubConsumerClient(5, hub);
    const b = await startIngestReplica(bSettings, log, { hub: fakeHub(bSettings, bClient), writerName: 'ingest-b' });
    replicas.push(b);

    // The load balancer's split: A reads partitions 0 and 1, B reads 2 and 3.
    for (const p of ['0', '1']) await aClient.pumpOnce(p);
    await pumpAll(bClient, ['2', '3']);
    expect(hub.checkpoints.get('0')?.sequenceNumber).toBe(4);

    // A stores the next batch of partition 0 but never hears so: its checkpoint stays at 4.
    aTarget.losing = true;
    await aClient.pumpOnce('0');
    expect(aTarget.lost).toBeGreaterThan(0);
    expect(hub.checkpoints.get('0')?.sequenceNumber).toBe(4);
    expect(a.writer.stats.writeFailures).toBeGreaterThan(0);
    const healthy = await fetch(`${a.apiUrl}/healthz`);
    expect(healthy.status).toBe(200);
    aClock += 120_000;
    const failing = await fetch(`${a.apiUrl}/healthz`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toMatchObject({ status: 'failing', role: 'ingest' });

    // A dies; B takes partitions 0 and 1 over from their checkpoints.
    await a.close();
    await pumpAll(bClient, ['0', '1']);
    for (let p = 0; p < DEVICES; p++) expect(hub.checkpoints.get(String(p))?.sequenceNumber).toBe(p === 0 ? BATCHES : BATCHES - 1);

    const spool = new AzureBlobExportTarget({ connectionString: azurite.connectionString, container: 'fleetsync-spool' });
    await until(async () => (await spool.list(SPOOL_PREFIX)).length === 0, 'the pipeline to import the spool');
    await pipeline.pipeline.processPending();
    const counts = await pipeline.pipeline.queries.counts();
    expect(counts.silver.readings).toBe(expected);
    expect(counts.bronze.batches).toBe(DEVICES * BATCHES);
    // The 5 messages A stored without an acknowledgement came again through B: Bronze recognised each copy.
    expect(pipeline.pipeline.bronzeStats.duplicates).toBe(5);

    const ingestMetrics = await (await fetch(`${b.apiUrl}/metrics`)).text();
    expect(metric(ingestMetrics, 'fleetsync_spool_segments_written_total')).toBeGreaterThan(0);
    expect(ingestMetrics).toMatch(/fleetsync_ingest_events_total\{outcome="accepted"\} (\d+)/);
    expect((await fetch(`${b.apiUrl}/healthz`)).status).toBe(200);
    const pipelineMetrics = await (await fetch(`${pipeline.apiUrl}/metrics`)).text();
    expect(metric(pipelineMetrics, 'fleetsync_spool_segments_imported_total')).toBeGreaterThan(0);
    expect(metric(pipelineMetrics, 'fleetsync_spool_pending_segments')).toBe(0);
    expect(metric(pipelineMetrics, 'fleetsync_spool_segments_quarantined_total')).toBe(0);
    // The routed connection notice travelled through the spool to the pipeline's API.
    expect(metric(pipelineMetrics, 'fleetsync_hub_connected_devices')).toBe(1);
  }, 90_000);

  it('refuses the split roles without a real IoT Hub, naming the field', async () => {
    const s = validateSettings(CloudSettings, { dataDir: join(dir, 'embedded'), role: 'pipeline' }, 'cloud.json');
    await expect(startCloudService(s, log)).rejects.toThrow(/\/role: role 'pipeline' needs mode 'azure'/);
  });
});
