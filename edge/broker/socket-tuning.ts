/**
 * TCP options for sensor and display connections.
 *
 * Quick ACKs: a sensor's MQTT client usually leaves Nagle's algorithm on (MQTT.js does), so its next small PUBLISH
 * waits in its kernel until the previous one is ACKed. Linux delays the ACK of a connection that answers with data
 * (40 ms or more) to send it with that data, and the gateway's answer, the PUBACK, waits for the journal's
 * fsync. A sensor publishing faster than the disk settles therefore had its readings, and the alerts they raise,
 * held back by tens of milliseconds. Setting TCP_QUICKACK sends a pending ACK at once (Linux clears the mode again
 * as soon as the connection answers with data). Node has no API for it, so it goes through the `sockopt` addon
 * where that loads (Linux only).
 *
 * No delay: the gateway's own small writes (alerts to cab displays, PUBACKs) go out at once, not after an ACK.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { GatewaySettings } from '../settings.ts';

export type SocketTuningSettings = GatewaySettings['broker']['tcp'];

export type SetSockOpt = (socket: unknown, level: number, option: number, value: number) => void;

const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12; // Linux

/** `sockopt`'s setsockopt, or why it cannot be used here. */
export function loadSetSockOpt(platform: NodeJS.Platform = process.platform): { set: SetSockOpt } | { unavailable: string } {
  if (platform !== 'linux') return { unavailable: `TCP_QUICKACK exists on Linux only (this is ${platform})` };
  try {
    const require = createRequire(import.meta.url);
    return { set: (require('sockopt') as { setsockopt: SetSockOpt }).setsockopt };
  } catch (err) {
    return { unavailable: `the sockopt addon did not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Whether the connection has a socket descriptor of its own (TCP, and TLS over TCP, do; a WebSocket stream does not). */
const hasFd = (conn: Duplex): boolean => {
  const fd = (conn as Duplex & { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0;
};

/** One watched connection: owed an ACK since `since` (performance.now) unless the gateway has written to it since. */
interface Watched {
  conn: Duplex;
  owed: boolean;
  listed: boolean;
  since: number;
}

/**
 * Sends the ACK of a read that the gateway has not answered within `afterMs`.
 *
 * Most reads are answered within a few milliseconds by their PUBACK, which carries the ACK, so re-arming quick ACKs
 * on every read (13,000 setsockopt calls a second at 20k msgs/s, each sending a bare ACK) mostly duplicated what the
 * PUBACK did. Only a read still unanswered after `afterMs` (a slow fsync) gets its ACK sent by setsockopt; a sensor
 * held by Nagle then waits at most about `afterMs`, not the fsync or Linux's 40 ms delayed-ACK timer. `afterMs` 0
 * re-arms on every read.
 */
export class QuickAcker {
  private readonly watched: Watched[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** setsockopt calls made, for tests and diagnostics. */
  calls = 0;

  constructor(
    private readonly set: SetSockOpt,
    private readonly afterMs: number,
  ) {}

  /**
   * Watches one TCP or TLS connection. `paused`: its reader pulls on 'readable' (aedes on a raw socket); `flowing`:
   * its reader takes 'data' events (ws under a WebSocket), and a 'readable' listener would stop that stream.
   */
  watch(conn: Duplex, mode: 'paused' | 'flowing' = 'paused'): void {
    if (!hasFd(conn)) return;
    const received = mode === 'paused' ? 'readable' : 'data';
    if (this.afterMs === 0) {
      this.ack(conn);
      conn.on(received, () => this.ack(conn));
      return;
    }
    const w: Watched = { conn, owed: false, listed: false, since: 0 };
    // Any write carries the ACK of everything received before it, so it settles what is owed.
    const write = conn.write;
    conn.write = function (this: Duplex, ...args: Parameters<Duplex['write']>): boolean {
      w.owed = false;
      return write.apply(this, args);
    } as Duplex['write'];
    // 'readable' (or 'data') comes once per batch of received data, whether or not aedes reads it now. Prepended, so
    // that it runs before a reader that answers synchronously (ws parses and answers inside its own 'data' listener).
    conn.prependListener(received, () => {
      if (w.owed) return;
      w.owed = true;
      w.since = performance.now();
      if (!w.listed) {
        w.listed = true;
        this.watched.push(w);
      }
      this.timer ??= setTimeout(this.flush, this.afterMs).unref();
    });
  }

  private readonly flush = (): void => {
    this.timer = null;
    const now = performance.now();
    let next = Infinity;
    let keep = 0;
    for (const w of this.watched) {
      if (w.owed && now - w.since < this.afterMs) {
        next = Math.min(next, w.since + this.afterMs - now);
        this.watched[keep++] = w;
        continue;
      }
      w.listed = false;
      if (w.owed && !w.conn.destroyed) this.ack(w.conn);
      w.owed = false;
    }
    this.watched.length = keep;
    if (keep > 0) this.timer = setTimeout(this.flush, Math.max(1, Math.ceil(next))).unref();
  };

  private ack(conn: Duplex): void {
    this.calls += 1;
    try {
      this.set(conn, IPPROTO_TCP, TCP_QUICKACK, 1);
    } catch {
      // closed meanwhile: nothing left to ACK
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watched.length = 0;
  }
}

/**
 * Applies the settings to one accepted connection; `acker` is null when quick ACKs are off (broker.tcp.quickAck) or
 * unavailable. For a WebSocket, pass the HTTP request's socket, which ws reads in flowing mode.
 */
export function tuneSocket(conn: Duplex, settings: SocketTuningSettings, acker: QuickAcker | null, mode: 'paused' | 'flowing' = 'paused'): void {
  if (settings.noDelay) (conn as Duplex & { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
  acker?.watch(conn, mode);
}
