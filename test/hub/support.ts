/** Shared pieces of the hub tests: temp folders, log capture, a recording sink, device clients (SDK and raw MQTT.js). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import mqtt, { type MqttClient } from 'mqtt';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import type { HubTelemetry, IngestSink } from '../../cloud/hub/ingest-sink.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import type { HubSettingsInput } from '../../cloud/hub/settings.ts';
import { signSasToken, deviceResource } from '../../cloud/hub/sas.ts';
import { waitFor as pollFor, type Probe } from '../support/wait-for.ts';

export type DeviceClient = InstanceType<typeof deviceSdk.Client>;
export const { Client, Message } = deviceSdk;
export const { Mqtt } = mqttTransport;

const dirs: string[] = [];
export async function tempDir(prefix = 'fleetsync-hub-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

export interface LogRecord {
  level: number;
  msg?: string;
  event?: string;
  reason?: string;
  deviceId?: string;
  [k: string]: unknown;
}

/** A pino logger whose records land in an array, for assertions on logged reasons. */
export function captureLog(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        records.push(JSON.parse(line) as LogRecord);
        if (process.env.HUB_TEST_LOG) process.stderr.write(line);
      },
    },
  );
  return { logger, records };
}

/** An in-memory sink that records what the hub handed over. */
export class MemorySink implements IngestSink {
  readonly messages: HubTelemetry[] = [];
  async accept(msg: HubTelemetry): Promise<void> {
    this.messages.push(msg);
  }
  async close(): Promise<void> {}
}

export const waitFor = <T>(what: string, probe: Probe<T>, timeoutMs = 10_000): Promise<T> => pollFor(what, probe, timeoutMs, 25);

export interface TestHub {
  hub: EmbeddedHub;
  sink: MemorySink;
  records: LogRecord[];
  dataDir: string;
}

export async function startTestHub(settings: Partial<HubSettingsInput> = {}, sink: IngestSink = new MemorySink()): Promise<TestHub & { sink: MemorySink }> {
  const dataDir = settings.dataDir ?? (await tempDir());
  const { logger, records } = captureLog();
  const hub = new EmbeddedHub({ port: 0, bind: '127.0.0.1', ...settings, dataDir }, { logger });
  await hub.start(sink);
  return { hub, sink: sink as MemorySink, records, dataDir };
}

/** Registers a device and returns its connection string pointing at the running endpoint over 127.0.0.1. */
export async function addDevice(hub: EmbeddedHub, deviceId: string): Promise<string> {
  await hub.registry.add(deviceId);
  return hub.connectionString(deviceId, 'primary', `127.0.0.1:${hub.port}`);
}

/** An opened azure-iot-device client trusting the hub's CA. */
export async function openDevice(connectionString: string, ca: string): Promise<DeviceClient> {
  const client = Client.fromConnectionString(connectionString, Mqtt);
  await client.setOptions({ ca });
  await client.open();
  return client;
}

export async function closeQuietly(client: DeviceClient | undefined): Promise<void> {
  if (!client) return;
  await Promise.race([client.close().catch(() => undefined), sleep(3000)]);
}

export interface RawConnect {
  hub: EmbeddedHub;
  clientId: string;
  /** Defaults to a valid token for `clientId` signed with `key`. */
  password?: string;
  key?: string;
  expiry?: number;
  username?: string;
}

/** A raw MQTT.js connection speaking the device protocol; resolves when connected, rejects with the refusal. */
export async function rawConnect(o: RawConnect): Promise<MqttClient> {
  const hubName = o.hub.hubName;
  const password =
    o.password ?? signSasToken(deviceResource(hubName, o.clientId), o.key ?? 'AAAA', o.expiry ?? Math.floor(Date.now() / 1000) + 3600);
  const client = mqtt.connect(`mqtts://127.0.0.1:${o.hub.port}`, {
    ca: o.hub.caPem,
    servername: 'localhost',
    clientId: o.clientId,
    username: o.username ?? `${hubName}/${o.clientId}/?api-version=2021-04-12`,
    password,
    protocolVersion: 4,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  return new Promise<MqttClient>((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

export const nowS = (): number => Math.floor(Date.now() / 1000);
