import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { MqttPacketSizeGuard, guardPacketSize } from './packet-size-guard.ts';
import { varint } from '../../test/support/mqtt-packets.ts';

const pkt = (type: number, bodyLength: number): Uint8Array => Uint8Array.from([type << 4, ...varint(bodyLength), ...new Array<number>(bodyLength).fill(7)]);

describe('MQTT packet size guard', () => {
  it('lets packets up to the limit through, in any chunking', () => {
    const stream = Buffer.concat([pkt(1, 20), pkt(3, 100), pkt(12, 0), pkt(3, 128), pkt(3, 16_383)]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const g = new MqttPacketSizeGuard(16_383);
      for (let i = 0; i < stream.length; i += size) expect(g.feed(stream.subarray(i, i + size))).toBeNull();
    }
  });

  it('stops at the header of the first packet over the limit, before its body arrives', () => {
    const g = new MqttPacketSizeGuard(1000);
    expect(g.feed(pkt(1, 10))).toBeNull();
    expect(g.feed(Uint8Array.from([0x30, ...varint(268_435_455)]))).toEqual({ declared: 268_435_455, limit: 1000, packet: 1 });
    // Sticky: later bytes do not reset it.
    expect(g.feed(pkt(12, 0))).toMatchObject({ declared: 268_435_455 });
  });

  it('treats a length field longer than four bytes as a violation', () => {
    expect(new MqttPacketSizeGuard(1000).feed(Uint8Array.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]))).toEqual({ declared: null, limit: 1000, packet: 0 });
  });

  it('on a stream: hands good bytes to the reader, destroys the stream on a violation and reports it once', () => {
    const s = new PassThrough();
    const seen: unknown[] = [];
    guardPacketSize(s, 100, (v) => seen.push(v));
    s.write(pkt(1, 50));
    expect((s.read() as Buffer).length).toBe(52);
    s.write(Uint8Array.from([0x30, ...varint(101)]));
    expect(s.read()).toBeNull();
    expect(s.destroyed).toBe(true);
    expect(seen).toEqual([{ declared: 101, limit: 100, packet: 1 }]);
  });
});
