/**
 * TCP options for sensor and display connections.
 *
 * Quick ACKs: a sensor's MQTT client usually leaves Nagle's algorithm on (MQTT.js does), so its next small PUBLISH
 * waits in its kernel until the previous one is ACKed. Linux delays the ACK of a connection that answers with data
 * (40 ms or more) to send it with that data, and the gateway's answer, the PUBACK, waits for the journal's
 * fsync. A sensor publishing faster than the disk settles therefore had its readings, and the alerts they raise,
 * held back by tens of milliseconds. TCP_QUICKACK, set again after every read because Linux clears it, ACKs each
 * segment at once. Node has no API for it, so it goes through the `sockopt` addon where that loads (Linux only).
 *
 * No delay: the gateway's own small writes (alerts to cab displays, PUBACKs) go out at once, not after an ACK.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { GatewaySettings } from '../settings.ts';

export type SocketTuningSettings = GatewaySettings['broker']['tcp'];

type SetSockOpt = (socket: unknown, level: number, option: number, value: number) => void;

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

/**
 * Applies the settings to one accepted TCP or TLS connection that is read in paused mode (aedes reads on
 * 'readable'); a 'readable' listener would take a flowing stream out of flowing mode.
 */
export function tuneSocket(conn: Duplex, settings: SocketTuningSettings, set: SetSockOpt | null): void {
  if (settings.noDelay) (conn as Duplex & { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true);
  if (!settings.quickAck || !set || !hasFd(conn)) return;
  const arm = (): void => {
    try {
      set(conn, IPPROTO_TCP, TCP_QUICKACK, 1);
    } catch {
      // closed meanwhile: nothing left to ACK
    }
  };
  arm();
  // 'readable' comes once per batch of received data, whether or not aedes reads it now: the ACK goes out either way.
  conn.on('readable', arm);
}
