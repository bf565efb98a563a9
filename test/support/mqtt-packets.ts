/** MQTT 3.1.1 / 5 packets built byte by byte, for tests and load generators that must control the wire exactly. */

/** MQTT's variable byte integer (remaining length). */
export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

export function packet(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | flags]), varint(body.length), body]);
}

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5, anything else is invalid. */
  protocolLevel?: number;
  keepaliveS?: number;
  clean?: boolean;
}

export function connectPacket(o: ConnectOptions): Buffer {
  const level = o.protocolLevel ?? 4;
  let flags = o.clean === false ? 0 : 0x02;
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepaliveS ?? 60);
  const parts = [str('MQTT'), Buffer.from([level, flags]), keepalive];
  if (level === 5) parts.push(Buffer.from([0])); // empty CONNECT properties
  parts.push(str(o.clientId));
  if (o.username !== undefined) parts.push(str(o.username));
  if (o.password !== undefined) parts.push(str(o.password));
  return packet(1, 0, Buffer.concat(parts));
}

export function publishPacket(topic: string, payload: Buffer | string, qos: 0 | 1 = 0, messageId = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(3, qos << 1, Buffer.concat([str(topic), ...(qos > 0 ? [id] : []), Buffer.from(payload)]));
}

/** CONNACK return code, or null when `bytes` do not start with a CONNACK. */
export function connackCode(bytes: Buffer): number | null {
  return bytes.length >= 4 && bytes[0] === 0x20 ? bytes[3]! : null;
}
