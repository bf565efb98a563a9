import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy standing in for a truck's cellular link between its gateway and the hub. The simulator and
 * the fault tests switch its condition:
 *  - up:        bytes flow;
 *  - refused:   open connections are reset and new ones are refused (no coverage, the modem is down);
 *  - blackhole: connections stay open but nothing arrives either way (a half-open link; only keepalives notice);
 *  - slow:      every chunk is delayed and the bandwidth is capped (a poor signal).
 * TLS passes through untouched: the gateway still verifies the hub's certificate.
 */
export type LinkCondition = { mode: 'up' } | { mode: 'refused' } | { mode: 'blackhole' } | { mode: 'slow'; latencyMs: number; bytesPerSecond: number };

export interface LinkProxy {
  readonly port: number;
  readonly condition: LinkCondition;
  set(condition: LinkCondition): void;
  /** Bytes carried each way since start. */
  readonly bytes: { up: number; down: number };
  close(): Promise<void>;
}

export async function startLinkProxy(target: { host: string; port: number }, listenPort = 0): Promise<LinkProxy> {
  let condition: LinkCondition = { mode: 'up' };
  const pairs = new Set<[Socket, Socket]>();
  const bytes = { up: 0, down: 0 };

  const pipe = (from: Socket, to: Socket, dir: 'up' | 'down'): void => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const c = condition;
      if (c.mode === 'blackhole') return;
      if (c.mode === 'slow') {
        from.pause();
        const wait = c.latencyMs + (chunk.length / c.bytesPerSecond) * 1000;
        chain = chain.then(() => new Promise<void>((r) => setTimeout(r, wait))).then(() => {
          if (!to.destroyed) to.write(chunk);
          bytes[dir] += chunk.length;
          from.resume();
        });
        return;
      }
      bytes[dir] += chunk.length;
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };

  const server: Server = createServer((client) => {
    if (condition.mode === 'refused') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', resolve);
  });

  return {
    port: (server.address() as AddressInfo).port,
    get condition() {
      return condition;
    },
    bytes,
    set(next: LinkCondition): void {
      condition = next;
      if (next.mode === 'refused') for (const [a, b] of pairs) (a.resetAndDestroy(), b.destroy());
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) (a.destroy(), b.destroy());
        server.close(() => resolve());
      }),
  };
}
