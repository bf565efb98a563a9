/**
 * The cloud side in the test process: the medallion pipeline (real DuckDB file) with the embedded hub handing
 * telemetry to Bronze, as `fleetsync cloud` assembles them, plus raw MQTT device connections that can send any body
 * with any message id, and SQL over the pipeline's tables.
 */
import type { MqttClient } from 'mqtt';
import { Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { captureLog, rawConnect, tempDir, type LogRecord } from '../hub/support.ts';
import { WIRE_CONTENT_ENCODING, WIRE_CONTENT_TYPE } from '../../shared/wire/index.ts';
import type { Row, WireMessage } from './support.ts';

export interface CloudInProcess {
  dataDir: string;
  hub: EmbeddedHub;
  pipeline: Pipeline;
  records: LogRecord[];
  /** Registers a device and opens a raw MQTT connection for it. */
  device(id: string): Promise<MqttClient>;
  /** Bronze committed, Silver and Gold caught up. */
  settle(): Promise<void>;
  sql(query: string): Promise<Row[]>;
  close(): Promise<void>;
}

export async function startCloudInProcess(): Promise<CloudInProcess> {
  const dataDir = await tempDir('fleetsync-rel-cloud-');
  const { logger, records } = captureLog();
  const pipeline = await Pipeline.open({ dataDir, settings: { export: { enabled: false }, loop: { debounceMs: 20 } }, logger: logger.child({ component: 'pipeline' }) });
  const hub = new EmbeddedHub({ dataDir, port: 0, bind: '127.0.0.1' }, { logger: logger.child({ component: 'hub' }) });
  await hub.start(pipeline.sink);
  pipeline.start();
  const conn = await pipeline.connect();
  const clients: MqttClient[] = [];
  return {
    dataDir,
    hub,
    pipeline,
    records,
    device: async (id) => {
      if (!(await hub.registry.get(id))) await hub.registry.add(id);
      const c = await rawConnect({ hub, clientId: id, key: (await hub.registry.get(id))!.primaryKey });
      clients.push(c);
      return c;
    },
    settle: async () => {
      await pipeline.processPending();
    },
    sql: async (q) => (await conn.runAndReadAll(q)).getRows(),
    close: async () => {
      for (const c of clients) await c.endAsync(true).catch(() => undefined);
      conn.closeSync();
      await hub.stop();
      await pipeline.close();
    },
  };
}

const enc = encodeURIComponent;

/** Telemetry topic with the properties the gateway's uplink sets (system properties as `$.x`). */
export function telemetryTopic(deviceId: string, messageId: string, properties: Record<string, string> = {}, wire = true): string {
  const bag = [
    `%24.mid=${enc(messageId)}`,
    ...(wire ? [`%24.ct=${enc(WIRE_CONTENT_TYPE)}`, `%24.ce=${enc(WIRE_CONTENT_ENCODING)}`] : []),
    ...Object.entries(properties).map(([k, v]) => `${enc(k)}=${enc(v)}`),
  ];
  return `devices/${deviceId}/messages/events/${bag.join('&')}`;
}

/** Publishes a body at QoS 1; resolves on the hub's PUBACK (Bronze committed). */
export async function sendBody(c: MqttClient, deviceId: string, body: Uint8Array, messageId: string, properties: Record<string, string> = {}): Promise<void> {
  await c.publishAsync(telemetryTopic(deviceId, messageId, properties), Buffer.from(body), { qos: 1 });
}

export async function sendBatch(c: MqttClient, deviceId: string, w: WireMessage, messageId = w.messageId): Promise<void> {
  await sendBody(c, deviceId, w.bytes, messageId, w.properties);
}

export const num = (rows: Row[]): number => Number(rows[0]?.[0] ?? 0);
