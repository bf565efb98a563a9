/**
 * A bound on the size of MQTT packets a peer may send, enforced on the byte stream before the broker buffers them.
 * aedes' parser (mqtt-packet) collects a whole packet in memory before it looks at it, so a peer that declares a
 * remaining length of 256 MB (the protocol's maximum) and streams bytes makes the broker hold all of them, even
 * before CONNECT and authentication. The guard reads only each packet's fixed header and stops the connection as
 * soon as a declared length exceeds the limit.
 */
import type { Duplex } from 'node:stream';

export interface PacketSizeViolation {
  /** Declared remaining length, or null when the length field itself is malformed (more than 4 bytes). */
  declared: number | null;
  limit: number;
  /** Index of the offending packet on this connection (0 = the first, normally CONNECT). */
  packet: number;
}

/** Pure state machine over the fixed headers of an MQTT byte stream (MQTT 3.1.1 and 5 share the framing). */
export class MqttPacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private skip = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private packets = 0;
  private violated: PacketSizeViolation | null = null;

  /** `maxRemainingLength` bounds the bytes after the fixed header (variable header and payload). */
  constructor(readonly maxRemainingLength: number) {}

  /** Feeds the next bytes; returns the violation once one is seen (and keeps returning it). */
  feed(chunk: Uint8Array): PacketSizeViolation | null {
    if (this.violated) return this.violated;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.endPacket();
        continue;
      }
      const b = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (b & 0x80) {
        if (this.lengthBytes >= 4) return (this.violated = { declared: null, limit: this.maxRemainingLength, packet: this.packets });
        continue;
      }
      if (this.length > this.maxRemainingLength) {
        return (this.violated = { declared: this.length, limit: this.maxRemainingLength, packet: this.packets });
      }
      this.skip = this.length;
      if (this.skip === 0) this.endPacket();
      else this.state = 'body';
    }
    return null;
  }

  private endPacket(): void {
    this.state = 'type';
    this.packets++;
  }
}

/**
 * Puts the guard in front of a broker connection. aedes pulls bytes with `conn.read()`, so the guard sees exactly
 * what the parser is about to buffer; on a violation the socket is destroyed and the parser gets nothing more.
 * Returns the guard (for tests). `onViolation` is called once.
 */
export function guardPacketSize(conn: Duplex, maxRemainingLength: number, onViolation: (v: PacketSizeViolation) => void): MqttPacketSizeGuard {
  const guard = new MqttPacketSizeGuard(maxRemainingLength);
  const read = conn.read.bind(conn);
  let reported = false;
  conn.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    if (chunk instanceof Uint8Array) {
      const v = guard.feed(chunk);
      if (v) {
        if (!reported) {
          reported = true;
          onViolation(v);
        }
        conn.destroy();
        return null;
      }
    }
    return chunk;
  };
  return guard;
}
