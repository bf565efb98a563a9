/**
 * PUBLISH from a device. aedes writes the PUBACK right after this hook's callback, so telemetry is handed to the
 * IngestSink here and the callback waits until the sink has stored it (store before acknowledge). Twin requests and
 * method responses are answered on the side; anything outside the device's own topics closes the connection.
 */
import type { Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { HubTelemetry } from '../ingest-sink.ts';
import { parseDeviceTopic } from '../topics.ts';
import { toHubTelemetry } from '../telemetry.ts';
import { RefusedError, type RefusalReason } from './refusal.ts';

export interface AuthorizePublishDeps {
  log: Logger;
  /** Every refusal, for counters. */
  onRefused?: (reason: RefusalReason) => void;
  maxMessageBytes: number;
  /** Durable hand-off; resolves once stored (retries are the caller's business). */
  store: (msg: HubTelemetry) => Promise<void>;
  twinGet: (client: Client, rid: string) => Promise<void>;
  twinPatchReported: (client: Client, rid: string, body: Buffer) => Promise<void>;
  methodResponse: (client: Client, rid: string, status: number, body: Buffer) => void;
  now?: () => number;
}

type Callback = (error?: Error | null) => void;

/** Will messages are kept by aedes with the owner's client id; IoT Hub turns them into telemetry. */
type MaybeWill = PublishPacket & { clientId?: string };

export function makeAuthorizePublish(deps: AuthorizePublishDeps) {
  const now = deps.now ?? Date.now;
  const refuse = (deviceId: string, reason: RefusalReason, detail: string, callback: Callback): void => {
    deps.log.warn({ event: 'publish-refused', deviceId, reason, detail }, `publish refused, closing the connection: ${reason}`);
    deps.onRefused?.(reason);
    callback(new RefusedError(reason, detail));
  };
  const sideWork = (deviceId: string, what: string, p: Promise<void>): void => {
    p.catch((err: unknown) => deps.log.error({ err, deviceId }, `${what} failed`));
  };

  return (client: Client | null, packet: PublishPacket, callback: Callback): void => {
    // A will of a device whose connection is gone arrives without a client.
    const deviceId = client?.id ?? (packet as MaybeWill).clientId ?? '';
    const isWill = client === null || (client as Client & { will?: unknown }).will === packet;
    const topic = parseDeviceTopic(packet.topic);

    if (topic.kind === 'telemetry') {
      if (!deviceId || topic.deviceId !== deviceId) {
        return refuse(deviceId, 'foreign-topic', `device '${deviceId}' published to '${packet.topic}'`, callback);
      }
      const body = packet.payload as Buffer;
      if (body.length > deps.maxMessageBytes) {
        return refuse(deviceId, 'message-too-large', `message of ${body.length} bytes; the limit is ${deps.maxMessageBytes}`, callback);
      }
      const retain = packet.retain;
      // IoT Hub does not retain messages: the flag becomes an application property instead.
      packet.retain = false;
      const msg = toHubTelemetry(deviceId, topic.propertyBag, body, now(), { retain, will: isWill });
      deps.store(msg).then(
        () => callback(null),
        (err: unknown) => {
          deps.log.error({ event: 'publish-refused', deviceId, reason: 'sink-failed', err }, 'telemetry not stored; closing the connection so the device retries');
          deps.onRefused?.('sink-failed');
          callback(new RefusedError('sink-failed', (err as Error)?.message ?? String(err)));
        },
      );
      return;
    }

    if (!client || isWill) return refuse(deviceId, 'foreign-topic', `will on '${packet.topic}' is not telemetry`, callback);

    switch (topic.kind) {
      case 'twin-get':
        sideWork(deviceId, 'twin GET', deps.twinGet(client, topic.rid));
        return callback(null);
      case 'twin-patch-reported':
        sideWork(deviceId, 'reported patch', deps.twinPatchReported(client, topic.rid, packet.payload as Buffer));
        return callback(null);
      case 'method-response':
        deps.methodResponse(client, topic.rid, topic.status, packet.payload as Buffer);
        return callback(null);
      default:
        return refuse(deviceId, 'foreign-topic', `device '${deviceId}' published to '${packet.topic}'`, callback);
    }
  };
}
