/**
 * The embedded IoT Hub endpoint: aedes over TLS speaking IoT Hub's MQTT device protocol (SAS auth, telemetry,
 * twins, direct methods, cloud-to-device messages), with a file device registry and LevelDB state, so the whole
 * system runs on one machine. It implements HubSource like the real-Azure one does.
 */
import type { EventEmitter } from 'node:events';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dropMqttNumberCaches } from '../../shared/mqtt/number-cache.ts';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import { Level } from 'level';
import { pino, type Logger } from 'pino';
import type { DeviceConnectionEvent, HubSource, MethodResult, Twin } from './hub-source.ts';
import type { IngestSink } from './ingest-sink.ts';
import { parseHubSettings, type HubSettings, type HubSettingsInput } from './settings.ts';
import { hubPaths, type HubPaths } from './paths.ts';
import { ensureCertificates, type HubCertificates } from './certs.ts';
import { DeviceRegistry, connectionString, type DeviceRecord } from './registry.ts';
import { RegistryView, type RegistryChange } from './registry-view.ts';
import { DeviceLinks } from './device-links.ts';
import { TwinService } from './twin-service.ts';
import { C2DService } from './c2d-service.ts';
import type { C2DMessage } from './c2d-queue.ts';
import { MethodCalls, type MethodCall } from './methods.ts';
import { TokenExpiry } from './token-expiry.ts';
import { makeHandOff } from './sink-handoff.ts';
import { startMqttsServer, type MqttsServer } from './server.ts';
import { makeAuthenticate, remoteAddress } from './handlers/authenticate.ts';
import { makeAuthorizePublish } from './handlers/authorize-publish.ts';
import { makeAuthorizeSubscribe } from './handlers/authorize-subscribe.ts';
import { makeAuthorizeForward } from './handlers/authorize-forward.ts';
import type { RefusalReason } from './handlers/refusal.ts';
import { classifySubscription, isValidMethodName, methodRequestTopic } from './topics.ts';
import { DeviceNotFoundError, HubError } from './errors.ts';
import type { StateDb } from './twin-store.ts';
import { ConnectLimiter } from './connect-limiter.ts';
import { classifyConnectionError, countConnectionError, countRefusal, emptyHubCounters, type HubCounters } from './hub-counters.ts';

/** Room for the topic (property bag) and headers of a telemetry PUBLISH beyond its body. */
const PACKET_HEADROOM_BYTES = 64 * 1024 + 16;

export interface EmbeddedHubOptions {
  /** Where log records go; a pino logger on stderr by default. */
  logger?: Logger;
}

export interface SendC2DOptions {
  /** Time to live in seconds (default: settings c2d.ttlS). */
  ttlS?: number;
}

/** Longest direct-method timeout IoT Hub accepts. */
export const MAX_METHOD_TIMEOUT_S = 300;

interface Running {
  paths: HubPaths;
  certs: HubCertificates;
  view: RegistryView;
  stateDb: StateDb;
  persistence: AsyncLevelPersistence;
  broker: Aedes;
  server: MqttsServer;
  twins: TwinService;
  c2d: C2DService;
  methods: MethodCalls;
}

export class EmbeddedHub implements HubSource {
  readonly settings: HubSettings;
  readonly paths: HubPaths;
  /** The registry file this endpoint serves; `fleetsync hub` edits the same file. */
  readonly registry: DeviceRegistry;
  private readonly log: Logger;
  private running: Running | undefined;
  private stopping = false;
  private readonly links = new DeviceLinks();
  private readonly expiry = new TokenExpiry<Client>();
  /** What authentication established for a connection: token expiry and which registry entry it was. */
  private readonly accepted = new WeakMap<Client, { expiresAtS: number; uid: string }>();
  private readonly listeners = new Set<(e: DeviceConnectionEvent) => void>();
  private readonly inflight = new Set<Promise<void>>();
  /** Refusals and connection errors since construction (the log has each one with its reason). */
  readonly counters: HubCounters = emptyHubCounters();

  constructor(settings: HubSettingsInput, opts: EmbeddedHubOptions = {}) {
    this.settings = parseHubSettings(settings);
    this.paths = hubPaths(this.settings.dataDir);
    this.registry = new DeviceRegistry(this.paths.registry, this.settings.hubName);
    this.log = opts.logger ?? pino({ name: 'hub' }, pino.destination(2));
  }

  private get r(): Running {
    if (!this.running) throw new HubError('NOT_RUNNING', 'the hub endpoint is not running');
    return this.running;
  }

  /** The MQTTS port actually listened on (useful with port 0). */
  get port(): number {
    return this.r.server.port;
  }

  /** The hub name devices put in HostName and in their SAS tokens. */
  get hubName(): string {
    return this.r.view.hubName;
  }

  /** PEM file of the CA that signed the server certificate: devices must trust it. */
  get caFile(): string {
    return this.r.certs.caFile;
  }

  get caPem(): string {
    return this.r.certs.ca;
  }

  /** host:port that devices dial (GatewayHostName). */
  get gatewayHost(): string {
    const host = this.settings.hosts[0] ?? 'localhost';
    return `${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** A ready connection string for a registered device. */
  async connectionString(deviceId: string, key: 'primary' | 'secondary' = 'primary', gatewayHost = this.gatewayHost): Promise<string> {
    const d = await this.registry.get(deviceId);
    if (!d) throw new DeviceNotFoundError(deviceId);
    return connectionString(this.hubName, deviceId, key === 'primary' ? d.primaryKey : d.secondaryKey, gatewayHost);
  }

  async start(sink: IngestSink): Promise<void> {
    if (this.running) throw new Error('the hub endpoint is already running');
    this.stopping = false;
    const { settings, paths, log } = this;
    await mkdir(paths.root, { recursive: true });
    const certs = await ensureCertificates(paths.tls, settings.hosts);
    if (certs.created.ca) log.info({ caFile: certs.caFile }, 'created a new CA for the hub endpoint');

    const hubName = await this.registry.ensure();
    if (hubName !== settings.hubName) log.warn({ registryHubName: hubName, configured: settings.hubName }, 'the registry names another hub; using its name');
    const view = await RegistryView.open(paths.registry, settings.registryPollMs, (err) => log.error({ err }, 'registry read failed'));

    const stateDb: StateDb = new Level<string, string>(paths.state, { valueEncoding: 'json' });
    await stateDb.open();
    const sessionsDb = new Level(paths.sessions);
    await sessionsDb.open();
    const persistence = new AsyncLevelPersistence(sessionsDb);

    const twins = new TwinService(stateDb, this.links, log);
    const c2d = new C2DService(stateDb, this.links, settings.c2d, log);
    const methods = new MethodCalls((call) => this.sendMethod(call));
    const handOff = makeHandOff(sink, { ...settings.sink, stopping: () => this.stopping }, log);
    const lookup = (id: string): DeviceRecord | undefined => view.get(id);
    const deviceOf = (client: Client): DeviceRecord | undefined => view.get(client.id);

    const limiter = new ConnectLimiter(settings.authFailures);
    const addressKey = (client: Client): string => remoteAddress(client) ?? 'unknown';
    const broker = await Aedes.createBroker({
      persistence,
      connectTimeout: settings.connectTimeoutMs,
      authenticate: makeAuthenticate({
        hubName: () => view.hubName,
        refreshRegistry: () => view.refresh(),
        lookup,
        log,
        onAccepted: (client, d) => this.accepted.set(client, { expiresAtS: d.expiresAtS, uid: view.get(d.deviceId)?.uid ?? '' }),
        throttle: (client) => limiter.check(addressKey(client)),
        onRefused: (client, reason) => {
          countRefusal(this.counters, reason);
          if (reason !== 'rate-limited') limiter.failed(addressKey(client));
        },
      }),
      authorizePublish: makeAuthorizePublish({
        log,
        onRefused: (reason) => countRefusal(this.counters, reason),
        maxMessageBytes: settings.maxMessageBytes,
        store: (msg) => this.track(handOff(msg)),
        twinGet: async (client, rid) => {
          const d = deviceOf(client);
          if (d) await twins.deviceGet(client, d, rid);
        },
        twinPatchReported: async (client, rid, body) => {
          const d = deviceOf(client);
          if (d) await twins.devicePatchReported(client, d, rid, body);
        },
        methodResponse: (client, rid, status, body) => {
          if (!methods.respond(client.id, rid, status, body)) log.debug({ deviceId: client.id, rid }, 'method response for no pending call');
        },
      }),
      authorizeSubscribe: makeAuthorizeSubscribe({ log, onRefused: (reason) => countRefusal(this.counters, reason) }),
      authorizeForward: makeAuthorizeForward(),
    });
    dropMqttNumberCaches();
    this.running = { paths, certs, view, stateDb, persistence, broker, server: undefined as never, twins, c2d, methods };

    // Untyped in aedes: 'error' (store failures) and 'ack', whose packet is undefined outside persistent sessions.
    const events = broker as EventEmitter;
    events.on('error', (err: Error) => log.error({ err }, 'broker error'));
    broker.on('clientError', (client: Client, err: Error) => log.debug({ deviceId: client.id, err: err.message }, 'client connection error'));
    // Errors of connections that never completed CONNECT: garbage, a packet before CONNECT, a protocol level this
    // endpoint does not speak, no CONNECT in time. The peer is disconnected; the endpoint carries on.
    broker.on('connectionError', (client: Client, err: Error) => {
      const kind = classifyConnectionError(err);
      countConnectionError(this.counters, kind);
      log.info({ event: 'connection-error', kind, address: remoteAddress(client), err: err.message }, `connection closed before CONNECT: ${kind}`);
    });
    broker.on('clientReady', (client: Client) => this.onReady(client));
    broker.on('clientDisconnect', (client: Client) => this.onGone(client));
    broker.on('subscribe', (subs: Subscription[], client: Client) => this.onSubscribe(subs, client));
    events.on('ack', (packet: PublishPacket | AedesPublishPacket | undefined, client: Client) => {
      const d = deviceOf(client);
      if (d && (packet === undefined || packet.cmd === 'publish')) void c2d.onAck(client, d, packet).catch((err: unknown) => log.error({ err }, 'C2D acknowledgement not recorded'));
    });
    view.onChange((change) => this.enforceRegistry(change));

    try {
      this.running.server = await startMqttsServer({
        cert: certs.cert,
        key: certs.key,
        port: settings.port,
        ...(settings.bind ? { bind: settings.bind } : {}),
        handshakeTimeoutMs: settings.connectTimeoutMs,
        maxPacketBytes: settings.maxMessageBytes + PACKET_HEADROOM_BYTES,
        onConnection: (socket) => broker.handle(socket),
        onTlsError: (err, address) => {
          const kind = classifyConnectionError(err) === 'connect-timeout' ? 'connect-timeout' : 'tls-failed';
          countConnectionError(this.counters, kind);
          log.debug({ event: 'connection-error', kind, address, err: err.message }, 'TLS handshake failed');
        },
        onOversized: (v, address) => {
          countConnectionError(this.counters, 'packet-too-large');
          const what = v.declared === null ? 'a malformed length field' : `${v.declared} bytes`;
          log.warn(
            { event: 'connection-error', kind: 'packet-too-large', address, declared: v.declared, limit: v.limit, packet: v.packet },
            `connection closed: packet ${v.packet} declares ${what}; the limit is ${v.limit}`,
          );
        },
      });
    } catch (err) {
      await this.stop();
      throw err;
    }
    await this.writeEndpointFile().catch((err: unknown) => log.warn({ err }, 'could not record the endpoint address'));
    log.info({ port: this.port, hubName: view.hubName, caFile: certs.caFile, gatewayHost: this.gatewayHost }, 'hub endpoint listening');
  }

  /** Records host:port and the CA path so `fleetsync hub` can print complete connection strings. */
  private async writeEndpointFile(): Promise<void> {
    const tmp = `${this.paths.endpoint}.tmp`;
    const body = { hubName: this.hubName, gatewayHost: this.gatewayHost, caFile: this.caFile, pid: process.pid, startedAt: new Date().toISOString() };
    await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`);
    await rename(tmp, this.paths.endpoint);
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  private emit(deviceId: string, connected: boolean): void {
    const e: DeviceConnectionEvent = { deviceId, connected, at: Date.now() };
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err }, 'connection listener threw');
      }
    }
  }

  private onReady(client: Client): void {
    // A connection that completes while the endpoint is stopping is closed with it.
    if (!this.running || this.stopping) return;
    const { view, twins, c2d, methods } = this.running;
    const d = this.accepted.get(client);
    if (d) this.expiry.arm(client, d.expiresAtS * 1000, () => this.closeClient(client, 'expired-token', 'token expired', 'info'));
    this.links.attach(client);
    this.log.info(
      { event: 'device-connected', deviceId: client.id, clean: client.clean, restored: Object.keys((client as Client & { subscriptions?: object }).subscriptions ?? {}) },
      'device connected',
    );
    this.emit(client.id, true);
    const device = view.get(client.id);
    if (!device) return;
    // A persistent session's subscriptions are restored without a SUBSCRIBE: serve them now.
    methods.flush(client.id);
    const fail = (what: string) => (err: unknown) => this.log.error({ err, deviceId: client.id }, `${what} after connect failed`);
    void twins.catchUp(device).catch(fail('desired catch-up'));
    void c2d.onConnect(client, device).catch(fail('C2D delivery'));
  }

  private onGone(client: Client): void {
    this.expiry.disarm(client);
    if (this.links.detach(client)) {
      this.log.info({ event: 'device-disconnected', deviceId: client.id }, 'device disconnected');
      this.emit(client.id, false);
    }
  }

  private onSubscribe(subs: Subscription[], client: Client): void {
    if (!this.running) return;
    const { view, twins, c2d, methods } = this.running;
    const device = view.get(client.id);
    if (!device) return;
    const fail = (what: string) => (err: unknown) => this.log.error({ err, deviceId: client.id }, `${what} after subscribe failed`);
    this.log.debug({ event: 'subscribed', deviceId: client.id, topics: subs.map((s) => s.topic) }, 'device subscribed');
    for (const s of subs) {
      const kind = classifySubscription(s.topic, client.id);
      if (kind === 'methods') methods.flush(client.id);
      else if (kind === 'desired') void twins.catchUp(device).catch(fail('desired catch-up'));
      else if (kind === 'c2d') void c2d.flush(device).catch(fail('C2D delivery'));
    }
  }

  private closeClient(client: Client, reason: RefusalReason, message: string, level: 'info' | 'warn' = 'warn'): void {
    if (client.closed) return;
    this.log[level]({ event: 'connection-closed', deviceId: client.id, reason }, `closing the connection: ${message}`);
    client.close();
  }

  /** Disable and remove take effect on live connections too. */
  private enforceRegistry({ after }: RegistryChange): void {
    for (const [id, client] of [...this.links.entries()]) {
      const d = after.devices[id];
      if (!d) this.closeClient(client, 'unknown-device', 'device removed from the registry');
      else if (d.disabled) this.closeClient(client, 'disabled-device', 'device disabled');
      else if (d.uid !== this.accepted.get(client)?.uid) this.closeClient(client, 'unknown-device', 'device removed and added again');
    }
  }

  private sendMethod(call: MethodCall): boolean {
    const client = this.links.get(call.deviceId);
    if (!client || !this.links.subscribed(client, 'methods')) return false;
    this.links
      .publish(client, methodRequestTopic(call.method, call.rid), call.payload, 0)
      .catch((err: unknown) => this.log.warn({ err, deviceId: call.deviceId }, 'method request not written'));
    return true;
  }

  private async device(deviceId: string): Promise<DeviceRecord> {
    const { view } = this.r;
    await view.refresh();
    const d = view.get(deviceId);
    if (!d) throw new DeviceNotFoundError(deviceId);
    return d;
  }

  async getTwin(deviceId: string): Promise<Twin> {
    return this.r.twins.get(await this.device(deviceId));
  }

  async updateDesired(deviceId: string, patch: Record<string, unknown>): Promise<Twin> {
    return this.r.twins.updateDesired(await this.device(deviceId), patch);
  }

  async invokeMethod(deviceId: string, method: string, payload: unknown, timeoutS: number): Promise<MethodResult> {
    if (!isValidMethodName(method)) throw new HubError('INVALID_ARGUMENT', `invalid method name '${method}'`);
    if (!(timeoutS > 0 && timeoutS <= MAX_METHOD_TIMEOUT_S)) {
      throw new HubError('INVALID_ARGUMENT', `method timeout must be in (0, ${MAX_METHOD_TIMEOUT_S}] seconds, got ${timeoutS}`);
    }
    await this.device(deviceId);
    return this.r.methods.invoke(deviceId, method, payload, timeoutS);
  }

  async sendC2D(deviceId: string, body: Uint8Array | string, properties?: Record<string, string>, opts: SendC2DOptions = {}): Promise<void> {
    await this.r.c2d.send(await this.device(deviceId), body, properties, opts.ttlS);
  }

  /** Messages still waiting for the device (not yet acknowledged, not expired). */
  async pendingC2D(deviceId: string): Promise<C2DMessage[]> {
    return this.r.c2d.pending(await this.device(deviceId));
  }

  onConnection(listener: (e: DeviceConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Devices connected right now. */
  connectedDevices(): string[] {
    return [...this.links.entries()].map(([id]) => id);
  }

  /** Stops listening, closes device connections, waits for in-flight hand-offs. Does not close the sink. */
  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.stopping = true;
    r.view.close();
    await new Promise<void>((resolve) => r.broker.close(() => resolve()));
    if (r.server) await r.server.close();
    await Promise.allSettled([...this.inflight]);
    r.methods.rejectAll(new HubError('NOT_RUNNING', 'the hub endpoint stopped'));
    this.expiry.clear();
    await Promise.allSettled([r.twins.idle(), r.c2d.idle()]);
    // Let aedes finish the bookkeeping of the connections it just closed before its store goes away.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.persistence.destroy().catch((err: unknown) => this.log.warn({ err }, 'session store close failed'));
    await r.stateDb.close();
    this.running = undefined;
    this.log.info('hub endpoint stopped');
  }
}

/** Creates the endpoint and starts it with `sink`. */
export async function startEmbeddedHub(settings: HubSettingsInput, sink: IngestSink, opts: EmbeddedHubOptions = {}): Promise<EmbeddedHub> {
  const hub = new EmbeddedHub(settings, opts);
  await hub.start(sink);
  return hub;
}
