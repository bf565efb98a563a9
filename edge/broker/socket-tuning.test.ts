import { describe, it, expect, afterEach } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { QuickAcker, loadSetSockOpt, tuneSocket, type SetSockOpt, type SocketTuningSettings } from './socket-tuning.ts';
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

  /** Runs 20 answered exchanges, then one read the server does not answer ('hold'), and reports the TCP state. */
  async function exchange(settings: SocketTuningSettings): Promise<{ quickAckBeforeHold: number; quickAckAtHold: number; acker: QuickAcker | null; serverSide: Socket; noDelay: number }> {
    const acker = settings.quickAck ? new QuickAcker((loadSetSockOpt() as { set: SetSockOpt }).set, settings.quickAckAfterMs) : null;
    let serverSide: Socket | null = null;
    let held = (): void => undefined;
    const holdRead = new Promise<void>((r) => (held = r));
    server = createServer((s) => {
      serverSide = s;
      tuneSocket(s, settings, acker);
      s.on('readable', () => {
        let d: Buffer | null;
        while ((d = s.read() as Buffer | null) !== null) {
          if (d.toString().includes('hold')) held();
          else s.write('ack');
        }
      });
    });
    server.on('close', () => acker?.close());
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
    // Same turn of the event loop as the read: a deferred quick ACK cannot have gone out yet.
    return { quickAckBeforeHold, quickAckAtHold: quickAckMode(s), acker, serverSide: s, noDelay: noDelayMode(s) };
  }

  const waitFor = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('without tuning, a read that is not answered at once leaves its ACK delayed (the stall quick ACKs prevent)', async () => {
    const r = await exchange({ noDelay: false, quickAck: false, quickAckAfterMs: 2 });
    expect(r.quickAckBeforeHold).toBe(0);
    expect(r.quickAckAtHold).toBe(0);
    await new Promise((res) => setTimeout(res, 20));
    expect(quickAckMode(r.serverSide)).toBe(0);
    expect(r.noDelay).toBe(0);
  });

  it('with quickAckAfterMs 0, every read puts the connection back in quick-ACK mode at once; no delay is set', async () => {
    const r = await exchange({ noDelay: true, quickAck: true, quickAckAfterMs: 0 });
    expect(r.quickAckAtHold).toBe(1);
    expect(r.acker!.calls).toBeGreaterThanOrEqual(21); // once at accept, then at every read
    expect(r.noDelay).not.toBe(0);
  });

  it('deferred: reads answered at once cost no call; a read left unanswered gets its ACK after quickAckAfterMs', async () => {
    const r = await exchange({ noDelay: true, quickAck: true, quickAckAfterMs: 2 });
    expect(r.acker!.calls).toBe(0); // the 20 answers carried their ACKs
    expect(r.quickAckAtHold).toBe(0);
    await waitFor(() => r.acker!.calls > 0);
    expect(r.acker!.calls).toBe(1);
    expect(quickAckMode(r.serverSide)).toBe(1);
  });

  it('deferred: a connection closed while its ACK is owed is skipped, without a call or an error', async () => {
    const r = await exchange({ noDelay: true, quickAck: true, quickAckAfterMs: 5 });
    r.serverSide.destroy();
    await new Promise((res) => setTimeout(res, 30));
    expect(r.acker!.calls).toBe(0);
  });
});

/** The same exchange over a WebSocket (ws reads its socket in flowing mode), as the broker's `broker.websocket` listener. */
describe.runIf(linux)('tuneSocket on a real WebSocket over loopback', () => {
  let http: HttpServer | null = null;
  let wss: WebSocketServer | null = null;
  let client: WebSocket | null = null;
  afterEach(() => {
    client?.terminate();
    wss?.close();
    http?.close();
  });

  it('deferred: a WebSocket message left unanswered gets its ACK after quickAckAfterMs; answered ones cost no call', async () => {
    const acker = new QuickAcker((loadSetSockOpt() as { set: SetSockOpt }).set, 2);
    let serverSide: Socket | null = null;
    let held = (): void => undefined;
    const holdRead = new Promise<void>((r) => (held = r));
    http = createHttpServer();
    wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws, req) => {
      serverSide = req.socket as Socket;
      tuneSocket(req.socket, { noDelay: true, quickAck: true, quickAckAfterMs: 2 }, acker, 'flowing');
      ws.on('message', (m) => (String(m) === 'hold' ? held() : ws.send('ack')));
    });
    http.on('close', () => acker.close());
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    client = new WebSocket(`ws://127.0.0.1:${(http.address() as { port: number }).port}`);
    await once(client, 'open');
    for (let i = 0; i < 20; i++) {
      client.send('ping');
      await once(client, 'message');
    }
    expect(acker.calls).toBe(0);
    client.send('hold');
    await holdRead;
    for (let i = 0; i < 200 && acker.calls === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(acker.calls).toBe(1);
    expect(quickAckMode(serverSide as unknown as Socket)).toBe(1);
    expect(noDelayMode(serverSide as unknown as Socket)).not.toBe(0);
  });
});
