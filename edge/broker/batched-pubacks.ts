/**
 * The sensor broker acknowledges QoS 1 publishes only once they are durable, so the PUBACKs of one journal commit
 * are released together: at 20k msgs/s, about 50 per commit spread over a few connections. aedes writes each one
 * through mqtt-packet, which corks the socket, makes three `write` calls (header, length, packet id) and uncorks on
 * the next tick: in a CPU profile of the gateway at that rate, 1.4 us of main-thread JavaScript per message before
 * the socket's `writev` of three chunks per PUBACK.
 *
 * For connections registered here, PUBACKs written in one tick leave as one 4-byte-per-ack Buffer, written once
 * per connection on the next tick, when mqtt-packet would have uncorked. Any other packet written to such a
 * connection first flushes the PUBACKs queued before it, so the bytes on the wire keep the order they were written
 * in, and PUBACKs keep the order of their publishes (MQTT-4.6.0-2).
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';

type WriteToStream = (packet: { cmd: string; messageId?: number }, stream: Writable, opts?: { protocolVersion?: number }) => boolean;

interface MqttPacketModule {
  writeToStream: WriteToStream;
}

const PUBACK = 0x40;

/** Connections whose PUBACKs are batched, each with the packet ids queued for its next flush. */
const registered = new WeakMap<Writable, number[]>();
const pending: Writable[] = [];
let scheduled = false;
let installed = false;

/** The copy of mqtt-packet aedes writes with (a library may bring others: those are left alone). */
function aedesMqttPacket(): MqttPacketModule {
  const fromAedes = createRequire(createRequire(import.meta.url).resolve('aedes'));
  return fromAedes('mqtt-packet') as MqttPacketModule;
}

function flush(stream: Writable): void {
  const ids = registered.get(stream);
  if (!ids || ids.length === 0) return;
  const buf = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    buf[i * 4] = PUBACK;
    buf[i * 4 + 1] = 2;
    buf[i * 4 + 2] = id >> 8;
    buf[i * 4 + 3] = id & 0xff;
  }
  ids.length = 0;
  // A connection closed meanwhile has no one to acknowledge: the publisher sends those messages again.
  if (!stream.destroyed && stream.writable) stream.write(buf);
}

function flushAll(): void {
  scheduled = false;
  for (let i = 0; i < pending.length; i++) flush(pending[i]!);
  pending.length = 0;
}

function install(): void {
  if (installed) return;
  installed = true;
  const mqttPacket = aedesMqttPacket();
  const original = mqttPacket.writeToStream;
  mqttPacket.writeToStream = (packet, stream, opts) => {
    const ids = registered.get(stream);
    if (ids) {
      const id = packet.messageId;
      // aedes writes v3.1.1 PUBACKs (no opts); anything else, or an id mqtt-packet would refuse, goes its usual way.
      if (packet.cmd === 'puback' && opts?.protocolVersion !== 5 && typeof id === 'number' && id >= 0 && id <= 0xffff) {
        if (ids.length === 0) pending.push(stream);
        ids.push(id);
        if (!scheduled) {
          scheduled = true;
          process.nextTick(flushAll);
        }
        return !stream.writableNeedDrain;
      }
      flush(stream);
    }
    return original(packet, stream, opts);
  };
}

/** Batches the PUBACKs aedes writes to `conn` (a sensor connection, before aedes handles it). */
export function batchPubacks(conn: Writable): void {
  install();
  if (!registered.has(conn)) registered.set(conn, []);
}
