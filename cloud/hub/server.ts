/** The MQTTS listener in front of aedes: TLS termination, socket bookkeeping for a prompt stop. */
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

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
  onConnection: (socket: TLSSocket) => void;
  onTlsError?: (err: Error) => void;
}

export async function startMqttsServer(opts: MqttsOptions): Promise<MqttsServer> {
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({ cert: opts.cert, key: opts.key, minVersion: 'TLSv1.2' }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    opts.onConnection(socket);
  });
  // A failed handshake (wrong CA on the device, port scanner) is the peer's problem, not a server error.
  server.on('tlsClientError', (err) => opts.onTlsError?.(err));
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
      }),
  };
}
