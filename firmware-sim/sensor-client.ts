/**
 * The radio of one sensor: its own MQTT.js client, with its own client id and credentials, publishing what the
 * sensor runtime produced. QoS 1 publishes that cannot go out yet wait in MQTT.js's outgoing store and are
 * re-sent on reconnect; like real firmware, the sensor buffers only so many and drops the rest. QoS 0 messages
 * are not queued: without a connection they are gone.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Publication } from './sensor-runtime.ts';
import type { SensorCredentials } from './truck.ts';

export interface SensorClientOptions {
  /** QoS 1 publishes waiting for their PUBACK beyond which new ones are dropped. */
  maxPending?: number;
  /** Real milliseconds between reconnect attempts. */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  keepaliveS?: number;
}

export interface PublishOutcome {
  /** false: dropped before sending (offline buffer full). */
  accepted: boolean;
}

export class SensorClient {
  readonly client: MqttClient;
  /** QoS 1 publishes awaiting their acknowledgement, with their completion callbacks. */
  private readonly inflight = new Set<(err: Error | null) => void>();
  private readonly maxPending: number;
  private connectedOnce = false;
  private readyWaiters: (() => void)[] = [];
  private closed = false;
  /** Connection errors seen (refused credentials, broker gone), for diagnostics. */
  readonly errors: string[] = [];
  connects = 0;

  constructor(
    readonly creds: SensorCredentials,
    brokerUrl: string,
    opts: SensorClientOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 10_000;
    this.client = mqtt.connect(brokerUrl, {
      clientId: creds.clientId,
      username: creds.username,
      password: creds.password,
      protocolVersion: 4,
      clean: true,
      keepalive: opts.keepaliveS ?? 30,
      reconnectPeriod: opts.reconnectPeriodMs ?? 500,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      // Best-effort messages are lost without a connection, as on real firmware (MQTT.js would queue them).
      queueQoSZero: false,
      // Sensors only publish.
      resubscribe: false,
    });
    this.client.on('connect', () => {
      this.connects++;
      this.connectedOnce = true;
      const w = this.readyWaiters;
      this.readyWaiters = [];
      for (const f of w) f();
    });
    this.client.on('error', (err) => {
      if (this.errors.length < 20) this.errors.push(err.message);
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** QoS 1 publishes handed over and not yet acknowledged. */
  get pending(): number {
    return this.inflight.size;
  }

  /** Resolves on the first successful connection. */
  ready(): Promise<void> {
    if (this.connectedOnce) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * Publishes; `done(err)` follows the PUBACK for QoS 1 and the socket write for QoS 0.
   * Returns false, without calling `done`, when the sensor's buffer is full.
   */
  /** Whether `publish` would take it now (false: closed, or the offline buffer is full). */
  canAccept(p: Publication): boolean {
    return !this.closed && (p.qos === 0 || this.inflight.size < this.maxPending);
  }

  publish(p: Publication, done: (err: Error | null) => void): boolean {
    if (!this.canAccept(p)) return false;
    let finish = done;
    if (p.qos === 1) {
      // Exactly once, whether the PUBACK, an error or end() comes first.
      const once = (err: Error | null): void => {
        if (!this.inflight.delete(once)) return;
        done(err);
      };
      this.inflight.add(once);
      finish = once;
    }
    const payload = Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength);
    this.client.publish(p.topic, payload, { qos: p.qos }, (err) => finish(err ?? null));
    return true;
  }

  /** Closes the connection; QoS 1 publishes still unacknowledged then fail. */
  async end(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
    const err = new Error('connection closed before the acknowledgement');
    for (const f of [...this.inflight]) f(err);
  }

  /** Resolves when no QoS 1 publish awaits its acknowledgement, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.inflight.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.inflight.size === 0;
  }
}
