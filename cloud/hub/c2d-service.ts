/**
 * Cloud-to-device delivery: queue durably, send at QoS 1 when the device is connected and subscribed, forget a
 * message when the device acknowledges it. In a persistent session (clean=false) the broker also keeps a sent but
 * unacknowledged message and redelivers it on reconnect, so such a message is not sent a second time by the hub.
 */
import type { AedesPublishPacket, Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { DeviceRecord } from './registry.ts';
import type { DeviceLinks } from './device-links.ts';
import type { StateDb } from './twin-store.ts';
import { C2DQueue, type C2DMessage } from './c2d-queue.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { buildPropertyBag, c2dMessageIdOf, c2dTopic } from './topics.ts';
import { HubError } from './errors.ts';

/** IoT Hub's limit for a cloud-to-device message body. */
export const MAX_C2D_BYTES = 64 * 1024;

export function c2dPropertyBag(deviceId: string, m: C2DMessage): string {
  return buildPropertyBag([
    ...Object.entries(m.properties),
    ['$.mid', m.id],
    ['$.to', `/devices/${deviceId}/messages/devicebound`],
    ['$.exp', new Date(m.expiresAt).toISOString()],
  ]);
}

export class C2DService {
  readonly queue: C2DQueue;
  private readonly lock = new KeyedMutex();
  /** Messages sent on each connection, oldest first: a clean session's PUBACK only says "the next one". */
  private readonly sentOn = new WeakMap<Client, string[]>();

  constructor(
    db: StateDb,
    private readonly links: DeviceLinks,
    private readonly settings: { ttlS: number; maxPending: number },
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.queue = new C2DQueue(db, settings.maxPending);
  }

  async send(device: DeviceRecord, body: Uint8Array | string, properties: Record<string, string> = {}, ttlS?: number): Promise<string> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.length > MAX_C2D_BYTES) throw new HubError('INVALID_ARGUMENT', `C2D body is ${bytes.length} bytes; the limit is ${MAX_C2D_BYTES}`);
    for (const k of Object.keys(properties)) {
      if (k.startsWith('$') || k === '') throw new HubError('INVALID_ARGUMENT', `C2D property name '${k}' is reserved or empty`);
    }
    const ttlMs = (ttlS ?? this.settings.ttlS) * 1000;
    if (!(ttlMs > 0)) throw new HubError('INVALID_ARGUMENT', 'C2D time to live must be positive');
    const msg = await this.lock.run(device.deviceId, () => this.queue.enqueue(device.deviceId, device.uid, bytes, { ...properties }, ttlMs, this.now()));
    await this.flush(device).catch((err: unknown) => this.log.warn({ deviceId: device.deviceId, err }, 'C2D flush failed'));
    return msg.id;
  }

  /** The device connected: a clean session lost what the broker held for it, so those go out again. */
  async onConnect(client: Client, device: DeviceRecord): Promise<void> {
    if (client.clean) await this.lock.run(device.deviceId, () => this.queue.clearSessionMarks(device.uid));
    await this.flush(device);
  }

  flush(device: DeviceRecord): Promise<void> {
    return this.lock.run(device.deviceId, async () => {
      const client = this.links.get(device.deviceId);
      if (!client || !this.links.subscribed(client, 'c2d')) return;
      const sent = this.sentOn.get(client) ?? [];
      this.sentOn.set(client, sent);
      const due = (await this.queue.pending(device.uid, this.now())).filter((m) => !sent.includes(m.id) && (client.clean || !m.inSession));
      for (const m of due) {
        if (client.closed) return;
        sent.push(m.id);
        await this.links.publish(client, c2dTopic(device.deviceId, c2dPropertyBag(device.deviceId, m)), Buffer.from(m.body, 'base64'), 1);
      }
      if (!client.clean) await this.queue.markInSession(device.uid, due.map((m) => m.id));
    });
  }

  /** A PUBACK from the device. `packet` is the stored original in a persistent session, else undefined. */
  async onAck(client: Client, device: DeviceRecord, packet: PublishPacket | AedesPublishPacket | undefined): Promise<void> {
    const sent = this.sentOn.get(client) ?? [];
    let id: string | undefined;
    if (packet?.topic) {
      id = c2dMessageIdOf(packet.topic, client.id);
      if (id !== undefined && sent.includes(id)) sent.splice(sent.indexOf(id), 1);
    } else {
      id = sent.shift();
    }
    if (id === undefined) return;
    const gone = id;
    await this.lock.run(device.deviceId, () => this.queue.remove(device.uid, gone));
  }

  async pending(device: DeviceRecord): Promise<C2DMessage[]> {
    return this.lock.run(device.deviceId, () => this.queue.pending(device.uid, this.now()));
  }

  idle(): Promise<void> {
    return this.lock.idle();
  }
}
