import { EventEmitter } from 'node:events';
import device, { type Client, type Message, type Twin, type DeviceMethodRequest, type DeviceMethodResponse } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import common from 'azure-iot-common';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.ts';
import { withTimeout, TimeoutError } from './with-timeout.ts';
import { linkErrorHint } from './link-error-hint.ts';
import { dropMqttNumberCaches } from '../../shared/mqtt/number-cache.ts';

export type LinkState = 'connecting' | 'online' | 'offline' | 'closed';

export interface MethodHandler {
  (payload: unknown): Promise<{ status: number; payload: unknown }>;
}

export interface HubConnectionOptions {
  connectionString: string;
  ca?: string;
  keepaliveS: number;
  twinTimeoutMs: number;
  sendTimeoutMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  methods: Record<string, MethodHandler>;
  /** Called with the whole desired document after every (re)connect (`full`), then with each patch. */
  onDesired: (desired: Record<string, unknown>, full: boolean) => void;
  onC2D: (body: Buffer, properties: Record<string, string>) => void;
  log: Logger;
}

export interface OutgoingMessage {
  body: Uint8Array;
  messageId: string;
  contentType: string;
  contentEncoding?: string;
  properties: Record<string, string>;
}

/**
 * Owns the Azure device client's lifecycle, because the SDK's own recovery is unsafe for store-and-forward
 * (see shared notes): the first open() failure is never retried, a client that gave up never reconnects, retried
 * sends arrive out of order, method handlers are lost, and twin calls can hang. So: the SDK's retries are off, this
 * loop reconnects with backoff and jitter, each connection gets a fresh client with handlers registered again and
 * the twin re-read, and every call has a deadline. A send that times out marks the link dead (half-open detection).
 */
export class HubConnection extends EventEmitter<{ state: [LinkState] }> {
  state: LinkState = 'offline';
  connectedAt: number | null = null;
  reconnects = 0;
  private client: Client | null = null;
  private twin: Twin | null = null;
  private closed = false;
  private dropLink: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly opts: HubConnectionOptions) {
    super();
  }

  start(): void {
    this.loop ??= this.run();
  }

  private setState(s: LinkState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      this.setState('connecting');
      const client = device.Client.fromConnectionString(this.opts.connectionString, Mqtt);
      const lost = new Promise<string>((resolve) => {
        this.dropLink = () => resolve('dropped by the gateway');
        client.on('disconnect', () => resolve('disconnected'));
        client.on('error', (err: Error) => resolve(`error: ${err.message}`));
      });
      try {
        await this.connect(client);
        // The SDK loads its own MQTT.js on the first connect, and its mqtt-packet has just built its number cache.
        dropMqttNumberCaches();
        attempt = 0;
        this.setState('online');
        const why = await lost;
        if (this.closed) this.opts.log.info('hub link closed');
        else this.opts.log.warn({ why }, 'hub link lost');
      } catch (err) {
        const message = (err as Error).message;
        const hint = linkErrorHint(message);
        this.opts.log.warn({ err: message, attempt, ...(hint ? { hint, clock: new Date().toISOString() } : {}) }, 'hub connection attempt failed');
      }
      this.client = null;
      this.twin = null;
      this.connectedAt = null;
      client.removeAllListeners();
      client.on('error', () => undefined);
      await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
      if (this.closed) break;
      this.setState('offline');
      this.reconnects++;
      const delay = backoffDelay(attempt++, this.opts.retryMinMs, this.opts.retryMaxMs);
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.wake = () => (clearTimeout(t), r());
      });
      this.wake = null;
    }
    this.setState('closed');
  }

  private async connect(client: Client): Promise<void> {
    client.setRetryPolicy(new common.NoRetry());
    await client.setOptions({ keepalive: this.opts.keepaliveS, ...(this.opts.ca ? { ca: this.opts.ca } : {}) });
    client.on('message', (msg: Message) => {
      const props: Record<string, string> = {};
      for (let i = 0; i < msg.properties.count(); i++) {
        const p = msg.properties.getItem(i);
        props[p.key] = p.value;
      }
      this.opts.onC2D(Buffer.isBuffer(msg.data) ? msg.data : Buffer.from(String(msg.data)), props);
      client.complete(msg, () => undefined);
    });
    await withTimeout(client.open(), this.opts.twinTimeoutMs, 'open');
    for (const [name, handler] of Object.entries(this.opts.methods)) {
      client.onDeviceMethod(name, (req: DeviceMethodRequest, res: DeviceMethodResponse) => {
        handler(req.payload as unknown).then(
          (r) => res.send(r.status, r.payload, () => undefined),
          (err: Error) => res.send(500, { error: err.message }, () => undefined),
        );
      });
    }
    // Desired-property subscriptions do not survive every reconnect, so the twin is read afresh on each connection.
    const twin = await withTimeout(client.getTwin(), this.opts.twinTimeoutMs, 'twin get');
    let full = true;
    twin.on('properties.desired', (desired: Record<string, unknown>) => {
      this.opts.onDesired(desired, full);
      full = false;
    });
    this.client = client;
    this.twin = twin;
    this.connectedAt = Date.now();
  }

  /** Sends one message and resolves on the hub's acknowledgement. Rejects when offline or past the deadline. */
  async send(m: OutgoingMessage): Promise<void> {
    const client = this.client;
    if (!client || this.state !== 'online') throw new Error('hub link is not online');
    const msg = new device.Message(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
    msg.messageId = m.messageId;
    // The SDK's typings allow only JSON and utf-*; IoT Hub itself accepts any content type, and ours is binary.
    const loose = msg as unknown as { contentType: string; contentEncoding?: string };
    loose.contentType = m.contentType;
    if (m.contentEncoding) loose.contentEncoding = m.contentEncoding;
    for (const [k, v] of Object.entries(m.properties)) msg.properties.add(k, v);
    try {
      await withTimeout(client.sendEvent(msg), this.opts.sendTimeoutMs, 'send');
    } catch (err) {
      if (err instanceof TimeoutError) this.drop();
      throw err;
    }
  }

  async updateReported(patch: Record<string, unknown>): Promise<void> {
    const twin = this.twin;
    if (!twin || this.state !== 'online') throw new Error('hub link is not online');
    await withTimeout(
      new Promise<void>((resolve, reject) => twin.properties.reported.update(patch, (err?: Error) => (err ? reject(err) : resolve()))),
      this.opts.twinTimeoutMs,
      'reported properties update',
    );
  }

  /** Forces a reconnect, e.g. after a send found the link half-open. */
  drop(): void {
    this.dropLink?.();
  }

  /** Skips the current backoff wait. */
  retryNow(): void {
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop();
    this.wake?.();
    await this.loop;
  }
}
