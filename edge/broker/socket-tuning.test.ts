import { describe, it, expect, afterEach } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { loadSetSockOpt, tuneSocket, type SocketTuningSettings } from './socket-tuning.ts';
import { noDelayMode, quickAckMode } from '../../test/support/tcp-state.ts';

const linux = process.platform === 'linux';

describe('loadSetSockOpt', () => {
  it('says why quick ACKs are unavailable off Linux', () => {
    expect(loadSetSockOpt('darwin')).toEqual({ unavailable: expect.stringMatching(/Linux only.*darwin/) });
  });

  it.runIf(linux)('loads the sockopt addon on Linux', () => {
    expect(loadSetSockOpt()).toHaveProperty('set');
  });
});

/**
 * A server that answers every message at once except 'hold', as the gateway answers a PUBLISH with a PUBACK unless
 * the disk is slow. Answering at once puts Linux's side of the connection in delayed-ACK ("pingpong") mode.
 */
describe.runIf(linux)('tuneSocket on real loopback TCP sockets', () => {
  let server: Server | null = null;
  let client: Socket | null = null;
  afterEach(() => {
    client?.destroy();
    server?.close();
  });

  async function exchange(settings: SocketTuningSettings): Promise<{ quickAckBeforeHold: number; quickAckAfterHold: number; noDelay: number }> {
    const set = settings.quickAck ? (loadSetSockOpt() as { set: Parameters<typeof tuneSocket>[2] }).set : null;
    let serverSide: Socket | null = null;
    let held = (): void => undefined;
    const holdRead = new Promise<void>((r) => (held = r));
    server = createServer((s) => {
      serverSide = s;
      tuneSocket(s, settings, set);
      s.on('readable', () => {
        let d: Buffer | null;
        while ((d = s.read() as Buffer | null) !== null) {
          if (d.toString().includes('hold')) held();
          else s.write('ack');
        }
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    client = connect((server.address() as { port: number }).port, '127.0.0.1');
    await once(client, 'connect');
    for (let i = 0; i < 20; i++) {
      client.write('ping');
      await once(client, 'data');
    }
    const s = serverSide as unknown as Socket;
    const quickAckBeforeHold = quickAckMode(s);
    client.write('hold');
    await holdRead;
    return { quickAckBeforeHold, quickAckAfterHold: quickAckMode(s), noDelay: noDelayMode(s) };
  }

  it('without tuning, a read that is not answered at once leaves its ACK delayed (the stall quick ACKs prevent)', async () => {
    const r = await exchange({ noDelay: false, quickAck: false });
    expect(r.quickAckBeforeHold).toBe(0);
    expect(r.quickAckAfterHold).toBe(0);
    expect(r.noDelay).toBe(0);
  });

  it('with quick ACKs, every read puts the connection back in quick-ACK mode; no delay is set', async () => {
    const r = await exchange({ noDelay: true, quickAck: true });
    expect(r.quickAckAfterHold).toBe(1);
    expect(r.noDelay).not.toBe(0);
  });
});
