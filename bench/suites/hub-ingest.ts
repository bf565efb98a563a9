/**
 * Hub ingest: telemetry messages per second into the embedded IoT Hub endpoint from 10 azure-iot-device clients
 * (MQTT over TLS, a small in-flight window each), where every PUBACK waits for the durable spool (group commit,
 * fsync). Baseline in the same run: the same endpoint with a no-op sink that stores nothing.
 * Clients and endpoint share this process and its cores, so the figure is a floor for the endpoint alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { SpoolSink } from '../../cloud/hub/spool-sink.ts';
import type { IngestSink } from '../../cloud/hub/ingest-sink.ts';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';

const GROUP = 'Hub endpoint';
const CLIENTS = 10;
const WINDOW = 4;
const BODY_BYTES = 1024;
const ROW = `telemetry into the embedded endpoint, ${CLIENTS} SDK clients x ${WINDOW} in flight, PUBACK after spool fsync`;

type DeviceClient = InstanceType<typeof deviceSdk.Client>;

const noopSink: IngestSink = { accept: async () => undefined, close: async () => undefined };

async function sendAll(client: DeviceClient, deviceId: string, count: number): Promise<void> {
  const body = Buffer.alloc(BODY_BYTES, 0x61);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const msg = new deviceSdk.Message(body);
      msg.messageId = `${deviceId}-${next++}`;
      msg.contentType = 'application/json';
      await client.sendEvent(msg);
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
}

/** Messages per second through one endpoint with `sink`, measured after the clients are connected and warm. */
async function ingestRate(durable: boolean, perClient: number): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-hub-'));
  const spool = durable ? await SpoolSink.open(join(dataDir, 'spool')) : undefined;
  const hub = new EmbeddedHub({ dataDir, port: 0, bind: '127.0.0.1' }, { logger: pino({ level: 'silent' }) });
  const clients: DeviceClient[] = [];
  try {
    await hub.start(spool ?? noopSink);
    for (let i = 0; i < CLIENTS; i++) {
      const id = `bench-${i}`;
      await hub.registry.add(id);
      const client = deviceSdk.Client.fromConnectionString(await hub.connectionString(id, 'primary', `127.0.0.1:${hub.port}`), mqttTransport.Mqtt);
      await client.setOptions({ ca: hub.caPem });
      await client.open();
      clients.push(client);
    }
    await Promise.all(clients.map((c, i) => sendAll(c, `warm-${i}`, 20)));
    const t0 = performance.now();
    await Promise.all(clients.map((c, i) => sendAll(c, `bench-${i}`, perClient)));
    const seconds = (performance.now() - t0) / 1000;
    return (CLIENTS * perClient) / seconds;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await hub.stop();
    await spool?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const hubIngestSuite: BenchSuite = {
  name: 'hub-ingest',
  check(rows: BenchRow[]): Record<string, boolean> {
    const r = rows.find((x) => x.name === ROW);
    return r?.baseline ? { [ROW]: r.value >= 0.7 * r.baseline.value } : {};
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const perClient = opts.quick ? 200 : 1500;
    const baseline = await ingestRate(false, perClient);
    const durable = await ingestRate(true, perClient);
    return [
      {
        group: GROUP,
        name: ROW,
        value: durable,
        unit: 'msg/s',
        baseline: { name: 'no-op sink (nothing stored)', value: baseline },
        target: '>= 0.7x no-op sink',
        higherIsBetter: true,
        note: `${BODY_BYTES} B bodies, ${CLIENTS * perClient} messages per measurement; clients share the process and cores with the endpoint (the SDK's client CPU is the usual limit)`,
      },
    ];
  },
};
