/**
 * A device that sends real wire batches through the azure-iot-device SDK the way the gateway's uplink does: the
 * SDK's own retries off, a fresh client after every disconnect, a deadline on every send, a small window in flight,
 * and a batch that was not acknowledged is sent again (same bytes, same message id) until it is. It remembers which
 * batches the hub acknowledged, so a test can demand exactly those in Bronze and Silver.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import common from 'azure-iot-common';
import { Client, Message, Mqtt, closeQuietly, type DeviceClient } from '../hub/support.ts';
import { readingBatch, toSdkMessage, type WireMessage } from './support.ts';

export interface BatchSenderOptions {
  deviceId: string;
  vehicle: string;
  connectionString: string;
  ca: string;
  /** Readings per batch. */
  batchSize?: number;
  /** Batches in flight at once. */
  window?: number;
  sendTimeoutMs?: number;
  /** Pause between windows (paces the load). */
  gapMs?: number;
}

export class BatchSender {
  /** Acknowledged batches by message id. */
  readonly acked = new Map<string, WireMessage>();
  /** Sends that failed or timed out (each was sent again). */
  failures = 0;
  /** Times a new client had to be opened. */
  reconnects = 0;
  private nextSeq = 1;
  private readonly retry: WireMessage[] = [];
  private stopping = false;
  private client: DeviceClient | undefined;
  private loop: Promise<void> | null = null;

  constructor(readonly o: BatchSenderOptions) {}

  get ackedReadings(): number {
    let n = 0;
    for (const w of this.acked.values()) n += w.lastSeq - w.firstSeq + 1;
    return n;
  }

  /** Highest seq handed out (every seq up to it is acknowledged once the sender has finished). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async connect(): Promise<DeviceClient> {
    for (;;) {
      const c = Client.fromConnectionString(this.o.connectionString, Mqtt);
      c.setRetryPolicy(new common.NoRetry());
      c.on('error', () => undefined);
      try {
        await c.setOptions({ ca: this.o.ca, keepalive: 10 });
        await Promise.race([c.open(), sleep(10_000).then(() => Promise.reject(new Error('open timed out')))]);
        c.on('disconnect', () => {
          if (this.client === c) this.client = undefined;
          void closeQuietly(c);
        });
        this.reconnects++;
        return c;
      } catch {
        await closeQuietly(c);
        await sleep(200);
      }
    }
  }

  private async send(c: DeviceClient, w: WireMessage): Promise<void> {
    const msg = toSdkMessage((b) => new Message(b), w);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        c.sendEvent(msg),
        new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('send timed out')), this.o.sendTimeoutMs ?? 10_000))),
      ]);
      this.acked.set(w.messageId, w);
    } catch (err) {
      this.failures++;
      this.retry.push(w);
      // A send without an answer means the link is dead (half-open): start again with a new client.
      if (this.client === c) this.client = undefined;
      void closeQuietly(c);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    const window = this.o.window ?? 4;
    const size = this.o.batchSize ?? 10;
    while (!this.stopping || this.retry.length > 0) {
      this.client ??= await this.connect();
      const c = this.client;
      const batch: WireMessage[] = this.retry.splice(0, window).sort((a, b) => a.firstSeq - b.firstSeq);
      while (!this.stopping && batch.length < window) {
        batch.push(readingBatch(this.o.deviceId, this.o.vehicle, this.nextSeq, size));
        this.nextSeq += size;
      }
      await Promise.allSettled(batch.map((w) => this.send(c, w)));
      if (this.o.gapMs) await sleep(this.o.gapMs);
    }
    await closeQuietly(this.client);
    this.client = undefined;
  }

  /** Stops making new batches and waits until every batch made so far is acknowledged. */
  async finish(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }
}
