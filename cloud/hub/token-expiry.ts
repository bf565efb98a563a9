/**
 * Closes a connection when its SAS token expires, as IoT Hub does: the device must reconnect with a fresh token.
 * Timers are re-armed in steps because setTimeout cannot wait longer than about 24.8 days.
 */
const MAX_DELAY = 2 ** 31 - 1;

export class TokenExpiry<K extends object> {
  private timers = new Map<K, NodeJS.Timeout>();

  constructor(private readonly now: () => number = Date.now) {}

  arm(key: K, expiresAtMs: number, onExpire: () => void): void {
    this.disarm(key);
    const step = (): void => {
      const left = expiresAtMs - this.now();
      if (left <= 0) {
        this.timers.delete(key);
        onExpire();
        return;
      }
      const t = setTimeout(step, Math.min(left, MAX_DELAY));
      t.unref();
      this.timers.set(key, t);
    };
    step();
  }

  disarm(key: K): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  get size(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
