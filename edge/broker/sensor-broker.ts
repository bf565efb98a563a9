import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { guardPacketSize } from '../../shared/mqtt/packet-size-guard.ts';
import { dropMqttNumberCaches } from '../../shared/mqtt/number-cache.ts';
import { QuickAcker, loadSetSockOpt, tuneSocket } from './socket-tuning.ts';
import { FailureLimiter } from '../../shared/auth/failure-limiter.ts';
import { Aedes, type Client, type AuthenticateError, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from 'pino';
import type { GatewaySettings } from '../settings.ts';
import { canPublish, canSubscribe, reachesSubscribers, type Decision, type Principal } from './acl.ts';
import { deliverPromptly } from './prompt-delivery.ts';
import { batchPubacks } from './batched-pubacks.ts';
import { alertsFilter } from '../../shared/sensor-protocol/topics.ts';
import { verifyPassword } from './password.ts';

/** Called once per publish: `null` when the message is durable (only then is PUBACK sent), or why it was not stored. */
export type PublishDone = (err: Error | null) => void;

/**
 * What the broker hands every authorised publish to. A callback rather than a promise: this runs for every sensor
 * message, and whatever it allocates lives until the fsync, long enough to be promoted and collected by a major GC.
 */
export type PublishHandler = (who: Principal, topic: string, payload: Buffer, qos: 0 | 1 | 2, done: PublishDone) => void;

export interface BrokerCounters {
  authFailures: number;
  aclDenied: number;
  handlerFailures: number;
  /** Protocol errors and oversized packets that ended a connection. */
  connectionErrors: number;
  /** Logins refused because the address failed too often. */
  rateLimited: number;
}

export interface SensorBroker {
  aedes: Aedes;
  counters: BrokerCounters;
  /** Bound ports, after listen: tcp, and tls / ws when configured. */
  ports: { tcp: number; tls?: number; ws?: number };
  /** Whether TCP and TLS connections get quick ACKs (broker.tcp.quickAck, on Linux with the sockopt addon). */
  quickAck: boolean;
  /** Quick ACKs sent so far: reads not answered within broker.tcp.quickAckAfterMs. */
  quickAcks(): number;
  /** Publishes from the gateway itself (alerts, C2D); bypasses ACLs by design. */
  publishLocal(topic: string, payload: Buffer | string, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  close(): Promise<void>;
}

const authError = (code: 3 | 4 | 5, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code });

/** Told of every refusal as it is counted, e.g. to feed the gateway's Prometheus counters. */
export type BrokerCountHook = (what: keyof BrokerCounters) => void;

export async function startSensorBroker(
  settings: Pick<GatewaySettings, 'vehicle' | 'broker' | 'sensors' | 'displays'>,
  onPublish: PublishHandler,
  log: Logger,
  onCount: BrokerCountHook = () => undefined,
): Promise<SensorBroker> {
  const principals = new WeakMap<Client, Principal>();
  const lastPublish = new WeakMap<Client, { topic: string; decision: Decision }>();
  const counters: BrokerCounters = { authFailures: 0, aclDenied: 0, handlerFailures: 0, connectionErrors: 0, rateLimited: 0 };
  // Each wrong password costs a scrypt check, so repeated guessing from one address is refused outright for a while.
  const loginFailures = new FailureLimiter({ limit: settings.broker.loginFailureLimit, windowMs: 60_000 });
  const addressOf = (client: Client): string => (client.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown';
  const count = (what: keyof BrokerCounters): void => {
    counters[what]++;
    onCount(what);
  };
  const byUsername = new Map<string, { hash: string; principal: Principal }>();
  for (const s of settings.sensors) byUsername.set(s.username, { hash: s.passwordHash, principal: { role: 'sensor', vehicle: settings.vehicle, sensor: s.id } });
  for (const d of settings.displays) byUsername.set(d.username, { hash: d.passwordHash, principal: { role: 'display', vehicle: settings.vehicle, username: d.username } });

  const refuse = (client: Client, code: 3 | 4 | 5, reason: string, done: (e: AuthenticateError | null, ok: boolean | null) => void): void => {
    count('authFailures');
    if (code === 4) loginFailures.fail(addressOf(client));
    log.warn({ clientId: client.id, reason }, 'sensor connection refused');
    done(authError(code, reason), false);
  };

  const alertPrefix = alertsFilter(settings.vehicle).slice(0, -1); // 'fleet/{vehicle}/alerts/'
  const isAlert = (topic: string): boolean => topic.startsWith(alertPrefix);
  const aedes = await Aedes.createBroker({
    connectTimeout: 10_000,
    // Before anything else of the connection, so that it holds for every subscription the client makes.
    preConnect: (client, _packet, callback) => {
      deliverPromptly(client, isAlert);
      callback(null, true);
    },
    authenticate: (client, username, password, done) => {
      const wait = loginFailures.retryAfterS(addressOf(client));
      if (wait > 0) {
        count('rateLimited');
        return refuse(client, 3, `too many failed logins from ${addressOf(client)}; retry in ${wait} s`, done);
      }
      if (username === undefined || username === '') {
        if (settings.broker.allowAnonymous) {
          principals.set(client, { role: 'anonymous', vehicle: settings.vehicle });
          return done(null, true);
        }
        return refuse(client, 5, 'anonymous access is off', done);
      }
      const entry = byUsername.get(username);
      if (!entry) return refuse(client, 4, `unknown user '${username}'`, done);
      verifyPassword(password?.toString('utf8') ?? '', entry.hash).then(
        (ok) => {
          if (!ok) return refuse(client, 4, `wrong password for '${username}'`, done);
          principals.set(client, entry.principal);
          done(null, true);
        },
        (err: Error) => refuse(client, 4, `password check failed: ${err.message}`, done),
      );
    },
    // aedes writes PUBACK right after this callback, so the durable hand-off happens here (see docs/architecture.md).
    authorizePublish: (client, packet: PublishPacket, callback) => {
      const who = client ? principals.get(client) : undefined;
      if (!client || !who) return callback(new Error('publish without an authenticated client'));
      // A sensor publishes on the same topic again and again: decide once per client and topic.
      let last = lastPublish.get(client);
      if (last?.topic !== packet.topic) {
        last = { topic: packet.topic, decision: canPublish(who, packet.topic) };
        lastPublish.set(client, last);
      }
      const decision = last.decision;
      if (!decision.ok) {
        count('aclDenied');
        log.warn({ clientId: client.id, topic: packet.topic, reason: decision.reason }, 'publish refused');
        return callback(new Error(decision.reason));
      }
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      onPublish(who, packet.topic, payload, packet.qos, (err) => {
        if (err) {
          // Not stored, so not acknowledged: closing the connection makes the sensor send it again.
          count('handlerFailures');
          log.error({ clientId: client.id, topic: packet.topic, err: err.message }, 'publish not stored');
        }
        callback(err);
      });
    },
    authorizeSubscribe: (client, sub, callback) => {
      const who = principals.get(client);
      const decision = who ? canSubscribe(who, sub.topic) : { ok: false as const, reason: 'not authenticated' };
      if (!decision.ok) {
        count('aclDenied');
        log.warn({ clientId: client.id, topic: sub.topic, reason: decision.reason }, 'subscribe refused');
        return callback(null, null); // SUBACK 0x80 for this filter, connection stays up
      }
      callback(null, sub);
    },
  });

  skipUnreachableRouting(aedes, settings.vehicle);
  dropMqttNumberCaches();

  const servers: (TcpServer | HttpServer)[] = [];
  const listen = (server: TcpServer | HttpServer, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, settings.broker.host, () => resolve((server.address() as AddressInfo).port));
      servers.push(server);
    });

  // aedes buffers a whole packet before parsing it, even before CONNECT: the guard cuts a peer off at the header of
  // a packet larger than any payload the gateway would keep (oversized payloads still fit and become rejects).
  const maxPacket = Math.max(1024 * 1024, 4 * settings.broker.maxPayloadBytes);
  const setSockOpt = settings.broker.tcp.quickAck ? loadSetSockOpt() : null;
  if (setSockOpt && 'unavailable' in setSockOpt) log.warn({ reason: setSockOpt.unavailable }, 'sensor connections without quick ACKs');
  const acker = setSockOpt && 'set' in setSockOpt ? new QuickAcker(setSockOpt.set, settings.broker.tcp.quickAckAfterMs) : null;
  const handle = (conn: Duplex & { remoteAddress?: string }): void => {
    tuneSocket(conn, settings.broker.tcp, acker);
    guardPacketSize(conn, maxPacket, (v) => {
      count('connectionErrors');
      log.warn({ address: conn.remoteAddress, declared: v.declared, limit: v.limit }, 'sensor connection closed: packet too large');
    });
    batchPubacks(conn);
    aedes.handle(conn);
  };
  aedes.on('connectionError', (client: Client, err: Error) => {
    count('connectionErrors');
    log.warn({ clientId: client.id || null, err: err.message }, 'sensor connection error');
  });
  const ports: SensorBroker['ports'] = { tcp: await listen(createTcpServer(handle), settings.broker.port) };
  if (settings.broker.tls) {
    const tls = createTlsServer(
      { cert: readFileSync(settings.broker.tls.certFile), key: readFileSync(settings.broker.tls.keyFile), handshakeTimeout: 10_000 },
      handle,
    );
    // Node reports a failed or timed-out handshake but leaves the socket open: close it.
    tls.on('tlsClientError', (err, socket) => {
      count('connectionErrors');
      log.warn({ err: err.message }, 'sensor TLS handshake failed');
      socket.destroy();
    });
    ports.tls = await listen(tls, settings.broker.tls.port);
  }
  let wss: WebSocketServer | undefined;
  if (settings.broker.websocket) {
    const http = createHttpServer();
    wss = new WebSocketServer({ server: http, path: settings.broker.websocket.path, maxPayload: maxPacket });
    wss.on('connection', (ws, req) => {
      tuneSocket(req.socket, settings.broker.tcp, acker, 'flowing');
      const stream = createWebSocketStream(ws);
      batchPubacks(stream);
      aedes.handle(stream, req);
    });
    ports.ws = await listen(http, settings.broker.websocket.port);
  }

  return {
    aedes,
    counters,
    ports,
    quickAck: acker !== null,
    quickAcks: () => acker?.calls ?? 0,
    publishLocal: (topic, payload, opts = {}) =>
      new Promise((resolve, reject) =>
        aedes.publish(
          { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    close: async () => {
      // Clients first: server.close() waits for open connections.
      await new Promise<void>((r) => aedes.close(() => r()));
      acker?.close();
      wss?.close();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

type RouteDone = (error?: Error) => void;

/**
 * aedes routes every accepted publish: retained store, offline-queue lookup, topic match, 'publish' event. No client
 * may subscribe to what clients may publish (acl.ts), so for sensor messages that work, done per message, finds
 * nobody, and a sensor's retained flag would keep its message in memory for good. The gateway's own
 * publishes (alerts, C2D) and anything a subscriber could match still take aedes's path. The message itself is
 * already in the journal when this runs.
 */
function skipUnreachableRouting(aedes: Aedes, vehicle: string): void {
  // aedes's typings show only publish(packet, done); the implementation also takes the publishing client.
  const route = aedes.publish.bind(aedes) as unknown as (packet: PublishPacket, client: Client | null, done?: RouteDone) => void;
  const publish = (packet: PublishPacket, client?: Client | RouteDone | null, done?: RouteDone): void => {
    if (typeof client === 'function') return route(packet, null, client);
    if (client && !reachesSubscribers(vehicle, packet.topic)) return done?.();
    route(packet, client ?? null, done);
  };
  aedes.publish = publish as Aedes['publish'];
}
