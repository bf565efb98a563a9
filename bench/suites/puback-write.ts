/**
 * PUBACK writes: CPU per PUBACK written by the sensor broker's batching (edge/broker/batched-pubacks.ts) against
 * mqtt-packet's own writes (cork, three writes, uncork on the next tick), through aedes's copy of mqtt-packet, as a
 * journal commit releases them: 20 loopback connections, 3 PUBACKs each per event-loop turn. Both run in this
 * process, interleaved, and the CPU includes the receiving end's TCP work, which on loopback runs in the sender's
 * system call.
 */
import { createServer, connect, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { batchPubacks } from '../../edge/broker/batched-pubacks.ts';

const GROUP = 'Edge gateway ingest';
const CONNECTIONS = 20;
const PER_TURN = 3;

type WriteToStream = (packet: { cmd: 'puback'; messageId: number }, stream: Writable) => boolean;
const mqttPacket = createRequire(createRequire(import.meta.url).resolve('aedes'))('mqtt-packet') as { writeToStream: WriteToStream };

async function socketPairs(batched: boolean): Promise<{ server: Socket[]; close: () => void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const server: Socket[] = [];
  srv.on('connection', (c) => {
    c.setNoDelay(true);
    if (batched) batchPubacks(c);
    server.push(c);
  });
  const { port } = srv.address() as AddressInfo;
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => new Promise<Socket>((r) => {
      const s = connect(port, '127.0.0.1', () => r(s));
      s.resume();
    })),
  );
  while (server.length < CONNECTIONS) await new Promise((r) => setImmediate(r));
  return { server, close: () => (clients.forEach((c) => c.destroy()), server.forEach((c) => c.destroy()), srv.close()) };
}

/** CPU microseconds per PUBACK over `turns` event-loop turns. */
async function cpuPerAck(batched: boolean, turns: number): Promise<number> {
  const { server, close } = await socketPairs(batched);
  try {
    const u0 = process.cpuUsage();
    let id = 0;
    for (let t = 0; t < turns; t++) {
      for (let k = 0; k < PER_TURN; k++) for (const c of server) mqttPacket.writeToStream({ cmd: 'puback', messageId: (id++ % 65535) + 1 }, c);
      await new Promise((r) => setImmediate(r));
    }
    const u = process.cpuUsage(u0);
    return (u.user + u.system) / (turns * PER_TURN * CONNECTIONS);
  } finally {
    close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export const pubackWriteSuite: BenchSuite = {
  name: 'puback-write',
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const turns = opts.quick ? 2000 : 10_000;
    const batched: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 3; i++) {
      plain.push(await cpuPerAck(false, turns));
      batched.push(await cpuPerAck(true, turns));
    }
    return [
      {
        group: GROUP,
        name: 'CPU per PUBACK written, batched per connection and loop turn',
        value: median(batched),
        unit: 'us',
        baseline: { name: "mqtt-packet's writes, same run", value: median(plain) },
        higherIsBetter: false,
        note: `${CONNECTIONS} loopback connections, ${PER_TURN} PUBACKs each per loop turn, ${turns} turns, median of 3 interleaved; CPU includes the receiving end's TCP work`,
      },
    ];
  },
};
