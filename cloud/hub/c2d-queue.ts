/**
 * Cloud-to-device messages waiting for their device, persisted in LevelDB, with a time to live and a cap per device.
 * A message leaves the queue when the device acknowledges it (PUBACK) or when it expires. Callers serialize access
 * per device (KeyedMutex).
 */
import { randomUUID } from 'node:crypto';
import type { AbstractSublevel } from 'abstract-level';
import type { StateDb } from './twin-store.ts';
import { C2DQueueFullError } from './errors.ts';

export interface C2DMessage {
  id: string;
  /** Base64 of the body. */
  body: string;
  properties: Record<string, string>;
  enqueuedAt: number;
  expiresAt: number;
  /**
   * Handed to the device's persistent MQTT session: the broker redelivers it on reconnect, so it is not sent again
   * unless the device starts a clean session.
   */
  inSession?: boolean;
}

type QueueDb = AbstractSublevel<StateDb, string | Buffer | Uint8Array, string, C2DMessage>;

/** Time-ordered keys; the counter keeps order within one millisecond. */
const hex = (n: number): string => n.toString(16).padStart(14, '0');

export class C2DQueue {
  private readonly db: QueueDb;
  private lastSeq = 0;

  constructor(
    private readonly root: StateDb,
    private readonly maxPending: number,
  ) {
    this.db = root.sublevel<string, C2DMessage>('c2d', { valueEncoding: 'json' });
  }

  private nextSeq(now: number): number {
    this.lastSeq = Math.max(this.lastSeq + 1, now * 1000);
    return this.lastSeq;
  }

  private range(uid: string): { gt: string; lt: string } {
    return { gt: `${uid}!`, lt: `${uid}"` };
  }

  private async entries(uid: string): Promise<[string, C2DMessage][]> {
    return this.db.iterator(this.range(uid)).all();
  }

  /** Pending messages in order; expired ones are deleted on the way. */
  async pending(uid: string, now: number): Promise<C2DMessage[]> {
    const live: C2DMessage[] = [];
    const expired: string[] = [];
    for (const [k, m] of await this.entries(uid)) {
      if (m.expiresAt <= now) expired.push(k);
      else live.push(m);
    }
    if (expired.length) await this.root.batch(expired.map((key) => ({ type: 'del' as const, sublevel: this.db, key })), { sync: true });
    return live;
  }

  async enqueue(deviceId: string, uid: string, body: Uint8Array, properties: Record<string, string>, ttlMs: number, now: number): Promise<C2DMessage> {
    const pending = await this.pending(uid, now);
    if (pending.length >= this.maxPending) throw new C2DQueueFullError(deviceId, this.maxPending);
    const msg: C2DMessage = { id: randomUUID(), body: Buffer.from(body).toString('base64'), properties, enqueuedAt: now, expiresAt: now + ttlMs };
    await this.root.batch([{ type: 'put', sublevel: this.db, key: `${uid}!${hex(this.nextSeq(now))}!${msg.id}`, value: msg }], { sync: true });
    return msg;
  }

  private async keyOf(uid: string, id: string): Promise<string | undefined> {
    for (const [k] of await this.entries(uid)) if (k.endsWith(`!${id}`)) return k;
    return undefined;
  }

  /** Removes an acknowledged message; false when it was not (or no longer) queued. */
  async remove(uid: string, id: string): Promise<boolean> {
    const key = await this.keyOf(uid, id);
    if (!key) return false;
    await this.root.batch([{ type: 'del', sublevel: this.db, key }], { sync: true });
    return true;
  }

  async markInSession(uid: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const want = new Set(ids);
    const ops = (await this.entries(uid))
      .filter(([, m]) => want.has(m.id) && !m.inSession)
      .map(([key, m]) => ({ type: 'put' as const, sublevel: this.db, key, value: { ...m, inSession: true } }));
    if (ops.length) await this.root.batch(ops, { sync: true });
  }

  /** A clean session lost whatever the broker held for the device: those messages must be sent again. */
  async clearSessionMarks(uid: string): Promise<void> {
    const ops = (await this.entries(uid))
      .filter(([, m]) => m.inSession)
      .map(([key, m]) => ({ type: 'put' as const, sublevel: this.db, key, value: { ...m, inSession: false } }));
    if (ops.length) await this.root.batch(ops, { sync: true });
  }
}
