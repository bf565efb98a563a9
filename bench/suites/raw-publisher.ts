/**
 * A minimal MQTT 3.1.1 QoS 1 publisher for background load: one TCP socket, PUBLISH frames built by hand, PUBACKs
 * matched by packet id. It does what a sensor does on the wire and nothing else, at a few microseconds per message,
 * so that a load generator sharing the machine with the broker under test does not take the cores the broker needs
 * (MQTT.js publishers at 20k msgs/s took about 1.4 of this machine's 2 cores).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connectPacket, varint } from '../../test/support/mqtt-packets.ts';

export class RawPublisher {
  private readonly waiting = new Map<number, () => void>();
  private nextId = 1;
  private rest: Buffer = Buffer.alloc(0);
  private connack: (() => void) | null = null;
  private failed: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => (this.failed = err));
    socket.on('close', () => {
      const err = this.failed ?? new Error('connection closed');
      this.failed = err;
      for (const [, settle] of this.waiting) settle();
      this.waiting.clear();
    });
  }

  static async connect(port: number, clientId: string): Promise<RawPublisher> {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const p = new RawPublisher(socket);
    const acked = new Promise<void>((resolve) => (p.connack = resolve));
    // Keepalive 0: no PINGREQ traffic in the measurement.
    socket.write(connectPacket({ clientId, keepaliveS: 0 }));
    await acked;
    return p;
  }

  /** Resolves when the broker's PUBACK arrives (or the connection ends). */
  publish(topic: string, payload: string): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId;
    this.nextId = this.nextId === 0xffff ? 1 : this.nextId + 1;
    const topicLen = Buffer.byteLength(topic);
    const payloadLen = Buffer.byteLength(payload);
    const remaining = 2 + topicLen + 2 + payloadLen;
    const head = varint(remaining);
    const frame = Buffer.allocUnsafe(1 + head.length + remaining);
    let o = 0;
    frame[o++] = 0x32; // PUBLISH, QoS 1
    for (const b of head) frame[o++] = b;
    frame.writeUInt16BE(topicLen, o);
    o += 2;
    o += frame.write(topic, o, 'utf8');
    frame.writeUInt16BE(id, o);
    o += 2;
    frame.write(payload, o, 'utf8');
    const done = new Promise<void>((resolve) => this.waiting.set(id, resolve));
    this.socket.write(frame);
    return done;
  }

  async end(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => this.socket.end(Buffer.from([0xe0, 0]), resolve));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let o = 0;
    for (;;) {
      if (buf.length - o < 2) break;
      let len = 0;
      let mul = 1;
      let i = o + 1;
      let complete = false;
      while (i < buf.length) {
        const b = buf[i++]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || buf.length - i < len) break;
      const type = buf[o]! >> 4;
      if (type === 2) this.connack?.();
      else if (type === 4 && len >= 2) {
        const id = buf.readUInt16BE(i);
        const settle = this.waiting.get(id);
        if (settle) {
          this.waiting.delete(id);
          settle();
        }
      }
      o = i + len;
    }
    this.rest = o < buf.length ? buf.subarray(o) : Buffer.alloc(0);
    buf = this.rest;
  }
}
