import { describe, it, expect, afterEach } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startLinkProxy, type LinkProxy } from './link-proxy.ts';

async function echoServer(): Promise<Server> {
  const s = createServer((c) => c.pipe(c));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}
const open = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
const echo = (s: Socket, text: string, waitMs = 2000): Promise<string | null> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), waitMs);
    s.once('data', (d) => (clearTimeout(t), resolve(d.toString())));
    s.write(text);
  });

describe('link proxy (real sockets on loopback)', () => {
  let server: Server;
  let proxy: LinkProxy;
  afterEach(async () => {
    await proxy?.close();
    await new Promise((r) => server?.close(r));
  });

  it('carries bytes both ways when up, and counts them', async () => {
    server = await echoServer();
    proxy = await startLinkProxy({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    const s = await open(proxy.port);
    expect(await echo(s, 'hello')).toBe('hello');
    expect(proxy.bytes).toEqual({ up: 5, down: 5 });
    s.destroy();
  });

  it('resets open connections and refuses new ones when refused, and recovers', async () => {
    server = await echoServer();
    proxy = await startLinkProxy({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    const s = await open(proxy.port);
    const closed = new Promise((r) => s.once('close', r));
    s.on('error', () => undefined);
    proxy.set({ mode: 'refused' });
    await closed;
    const s2 = await open(proxy.port).catch(() => null);
    if (s2) {
      s2.on('error', () => undefined);
      await new Promise((r) => s2.once('close', r));
      expect(s2.destroyed).toBe(true);
    }
    proxy.set({ mode: 'up' });
    const s3 = await open(proxy.port);
    expect(await echo(s3, 'back')).toBe('back');
    s3.destroy();
  });

  it('swallows traffic silently in a black hole, keeping the connection open', async () => {
    server = await echoServer();
    proxy = await startLinkProxy({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    const s = await open(proxy.port);
    proxy.set({ mode: 'blackhole' });
    expect(await echo(s, 'lost', 300)).toBeNull();
    expect(s.destroyed).toBe(false);
    s.destroy();
  });

  it('delays traffic on a slow link but delivers it in order', async () => {
    server = await echoServer();
    proxy = await startLinkProxy({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    proxy.set({ mode: 'slow', latencyMs: 50, bytesPerSecond: 10_000 });
    const s = await open(proxy.port);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    for (const part of ['a', 'b', 'c']) s.write(part);
    while (got.length < 3) await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe('abc');
    s.destroy();
  });
});
