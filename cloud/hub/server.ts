/** The MQTTS listener in front of aedes: TLS termination, time and size bounds on peers, socket bookkeeping for a prompt stop. */
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { guardPacketSize, type PacketSizeViolation } from '../../shared/mqtt/packet-size-guard.ts';

export interface MqttsServer {
  port: number;
  address: string;
  close(): Promise<void>;
}

export interface MqttsOptions {
  cert: string;
  key: string;
  port: number;
  bind?: string;
  /** A peer must complete the TLS handshake within this time (Node's default is 120 s: a cheap slowloris). */
  handshakeTimeoutMs: number;
  /** Largest remaining length of one MQTT packet; a peer declaring more is disconnected before it is buffered. */
  maxPacketBytes: number;
  onConnection: (socket: TLSSocket) => void;
  onTlsError?: (err: Error, address: string | undefined) => void;
  onOversized?: (v: PacketSizeViolation, address: string | undefined) => void;
}

export async function startMqttsServer(opts: MqttsOptions): Promise<MqttsServer> {
  const sockets = new Set<TLSSocket>();
  // Connections still in their handshake, too: server.close() waits for them.
  const raw = new Set<Socket>();
  const server: Server = createServer(
    { cert: opts.cert, key: opts.key, minVersion: 'TLSv1.2', handshakeTimeout: opts.handshakeTimeoutMs },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      const address = socket.remoteAddress;
      guardPacketSize(socket, opts.maxPacketBytes, (v) => opts.onOversized?.(v, address));
      opts.onConnection(socket);
    },
  );
  server.on('connection', (socket: Socket) => {
    raw.add(socket);
    socket.once('close', () => raw.delete(socket));
  });
  // A failed handshake (wrong CA on the device, port scanner, too slow) is the peer's problem, not a server error.
  // Node reports a handshake timeout but leaves the socket open (measured on Node 20), so a peer that connects and
  // sends nothing would hold its connection forever: close it here.
  server.on('tlsClientError', (err, socket) => {
    const address = socket.remoteAddress;
    socket.destroy();
    opts.onTlsError?.(err, address);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    address: addr.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        for (const s of raw) s.destroy();
      }),
  };
}
