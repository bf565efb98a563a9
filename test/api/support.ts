/**
 * Shared pieces of the API tests: a real pipeline (DuckDB in a temp folder) fed with wire batches through its Bronze
 * sink, a fake hub (HubSource in memory; tests using it say "fake hub" in their names), log capture and tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Pipeline } from '../../cloud/pipeline/pipeline.ts';
import type { HubTelemetry } from '../../cloud/hub/ingest-sink.ts';
import type { DeviceConnectionEvent, HubSource, MethodResult, Twin } from '../../cloud/hub/hub-source.ts';
import { DeviceNotFoundError, MethodTimeoutError } from '../../cloud/hub/errors.ts';
import { mergePatch } from '../../edge/remote-config.ts';
import { batchId, encodeBatch, messageProperties, readBatchHeader } from '../../shared/wire/index.ts';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { createCloudApi, type CloudApiOptions } from '../../cloud/api/index.ts';
import type { DeviceAdmin, PipelineLike } from '../../cloud/api/context.ts';
import { TokenStore } from '../../cloud/auth/token-store.ts';
import type { Role } from '../../cloud/auth/roles.ts';

/** The API tests' clock: a fixed "now" so statuses and ranges do not depend on when the test runs. */
export const NOW = Date.parse('2025-06-02T10:00:00.000Z');
export const DAY = '2025-06-02';
const MIN = 60_000;

const dirs: string[] = [];
export async function tempDir(prefix = 'fleetsync-api-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

/** The pipeline as the API sees it, but without a read connection (to test the API's reduced mode). */
export function withoutReadConnection(p: Pipeline): PipelineLike {
  return {
    queries: p.queries,
    get bronzeStats() {
      return p.bronzeStats;
    },
    get error() {
      return p.error;
    },
    erase: (subject, opts) => p.erase(subject, opts),
  };
}

/** Numbers each lane 1, 2, 3, ... like a gateway journal; `skip` leaves a sequence gap. */
export class TestGateway {
  private readonly next = new Map<Lane, number>();
  constructor(
    readonly device: string,
    readonly vehicle: string,
    readonly epoch = '01JNZ8Q3W5M7Y2K4T6V8X0B1C3',
  ) {}

  skip(lane: Lane, n: number): void {
    this.next.set(lane, (this.next.get(lane) ?? 1) + n);
  }

  batch(lane: Lane, items: { kind: StampedEvent['kind']; body: unknown; t: number }[]): Uint8Array {
    let seq = this.next.get(lane) ?? 1;
    const events = items.map((it) => ({ seq: seq++, rt: it.t + 50, kind: it.kind, body: it.body }) as StampedEvent);
    this.next.set(lane, seq);
    return encodeBatch({ gatewayId: this.device, epoch: this.epoch, lane, createdAt: (items[items.length - 1]?.t ?? 0) + 100 }, events);
  }

  reading(signal: string, value: number | boolean | string, unit: string, t: number) {
    return { kind: 'reading' as const, t, body: { v: 2, vehicle: this.vehicle, sensor: 'j1939', signal, value, unit, sensorTime: t, quality: 'good' } };
  }

  position(lat: number, lon: number, t: number, speedKmh: number) {
    return { kind: 'position' as const, t, body: { v: 2, vehicle: this.vehicle, sensor: 'gps', lat, lon, sensorTime: t, speedKmh } };
  }

  alert(id: string, ruleId: string, state: 'raised' | 'updated' | 'cleared', severity: 'info' | 'warning' | 'critical', t: number, raisedAt: number, message: string) {
    return {
      kind: 'alert' as const,
      t,
      body: { v: 2, id, vehicle: this.vehicle, ruleId, state, severity, value: 9.5, threshold: 8, sensorTime: t, raisedAt, peak: 9.5, message, signal: 'reefer_supply_temp', sensor: 'reefer' },
    };
  }

  /** `downsampled` only when given: older gateways leave it out. */
  status(t: number, connectivity: 'online' | 'offline' | 'connecting', backlogEvents: number, evicted = 0, downsampled?: number) {
    const lane = { backlogEvents, backlogBytes: backlogEvents * 40, oldestUnsentMs: backlogEvents ? t - 60_000 : null, lastAckedSeq: 1, lastAckAt: t, evicted };
    return {
      kind: 'status' as const,
      t,
      body: {
        v: 2, gateway: this.device, vehicle: this.vehicle, bootId: 'boot-1', sensorTime: t, connectivity, version: '1.0.0', uptimeS: 100,
        lanes: { telemetry: downsampled === undefined ? lane : { ...lane, downsampled } },
        rejects: 0, diskBytes: 1000,
      },
    };
  }

  /** One minute of a signal folded by the gateway, starting at `t`; `t` (the event's gateway time) is its last reading. */
  rollup(signal: string, unit: string, t: number, count: number, min: number, max: number, mean: number) {
    return {
      kind: 'rollup' as const,
      t: t + 59_000,
      body: { v: 2, vehicle: this.vehicle, sensor: 'j1939', signal, unit, sensorTime: t, windowMs: 60_000, count, min, max, mean, first: t, last: t + 59_000, bad: 0 },
    };
  }

  reject(raw: string, t: number) {
    return { kind: 'reject' as const, t, body: { topic: `fleet/${this.vehicle}/bad/reading`, raw: new TextEncoder().encode(raw), reason: 'payload is not JSON' } };
  }
}

export function hubMessage(deviceId: string, body: Uint8Array, enqueuedAt: number): HubTelemetry {
  const h = readBatchHeader(body);
  return {
    deviceId,
    body,
    system: { messageId: batchId(h), contentType: 'application/vnd.fleetsync.batch', contentEncoding: 'identity' },
    properties: messageProperties(h),
    enqueuedAt,
  };
}

/** The fleet's gateways after a restart with a fresh journal (new epoch), for data pushed by the tests themselves. */
export const GW1 = new TestGateway('gw-1', 'TRK-1', '01JNZ8Q3W5M7Y2K4T6V8X0B1C9');
export const GW2 = new TestGateway('gw-2', 'TRK-2', '01JNZ8Q3W5M7Y2K4T6V8X0B1C9');

/**
 * A day of data for two vehicles, pushed through Bronze:
 *  - TRK-1 (gateway gw-1): a drive with speed, reefer temperature and door readings, positions, status events with an
 *    offline stretch, a critical alert still active and a warning that cleared; last ingest 30 s before NOW.
 *  - TRK-2 (gateway gw-2): readings two hours before NOW, one invalid reading (quarantined), a gateway reject
 *    (quarantined), a redelivered batch (duplicate) and a sequence gap.
 * Times are relative to `now` (the tests' fixed clock by default).
 */
export async function ingestFleet(p: Pipeline, now = NOW): Promise<void> {
  const g1 = new TestGateway('gw-1', 'TRK-1');
  const g2 = new TestGateway('gw-2', 'TRK-2');
  const t0 = now - 60 * MIN;
  const tele1 = [];
  for (let i = 0; i < 50; i++) {
    const t = t0 + i * MIN;
    tele1.push(g1.reading('wheel_speed', 40 + (i % 10) * 5, 'km/h', t));
    tele1.push(g1.reading('reefer_supply_temp', 3 + (i > 40 ? 6 : 0), 'C', t));
    tele1.push(g1.reading('reefer_setpoint', 3, 'C', t));
    tele1.push(g1.reading('cargo_door', i === 20, '', t));
    tele1.push(g1.position(52.37 + i * 0.002, 4.89 + i * 0.003, t, 40 + (i % 10) * 5));
  }
  await p.sink.accept(hubMessage('gw-1', g1.batch('telemetry', tele1.slice(0, 125)), now - 20 * MIN));
  await p.sink.accept(hubMessage('gw-1', g1.batch('telemetry', tele1.slice(125)), now - 30_000));
  const status1 = [
    g1.status(t0, 'online', 0),
    g1.status(t0 + 10 * MIN, 'offline', 200),
    g1.status(t0 + 20 * MIN, 'offline', 600),
    g1.status(t0 + 30 * MIN, 'online', 50),
    g1.status(t0 + 40 * MIN, 'online', 0),
  ];
  await p.sink.accept(hubMessage('gw-1', g1.batch('status', status1), now - 15 * MIN));
  await p.sink.accept(
    hubMessage(
      'gw-1',
      g1.batch('alerts', [
        g1.alert('a-over-1', 'overspeed', 'raised', 'warning', t0 + 5 * MIN, t0 + 5 * MIN, 'Overspeed 95 km/h'),
        g1.alert('a-over-1', 'overspeed', 'cleared', 'warning', t0 + 7 * MIN, t0 + 5 * MIN, 'Overspeed cleared'),
        g1.alert('a-reefer-1', 'reefer_out_of_range', 'raised', 'critical', t0 + 42 * MIN, t0 + 42 * MIN, 'Reefer supply 9.0 C above setpoint 3.0 C'),
      ]),
      now - 60_000,
    ),
  );

  const t2 = now - 3 * 60 * MIN;
  const tele2 = [];
  for (let i = 0; i < 10; i++) tele2.push(g2.reading('wheel_speed', 60, 'km/h', t2 + i * MIN));
  const first = g2.batch('telemetry', tele2);
  await p.sink.accept(hubMessage('gw-2', first, now - 2 * 60 * MIN));
  // Redelivered: Bronze counts it once more as a duplicate.
  await p.sink.accept(hubMessage('gw-2', first, now - 2 * 60 * MIN + 1000));
  g2.skip('telemetry', 5);
  await p.sink.accept(
    hubMessage('gw-2', g2.batch('telemetry', [g2.reading('wheel_speed', 'fast', 'km/h', t2 + 20 * MIN), g2.reading('wheel_speed', 55, 'km/h', t2 + 21 * MIN)]), now - 2 * 60 * MIN + 2000),
  );
  await p.sink.accept(hubMessage('gw-2', g2.batch('rejects', [g2.reject('{not json', t2 + 22 * MIN)]), now - 2 * 60 * MIN + 3000));
  await p.processPending();
}

/** An alert batch for TRK-1 (a sensor crossed a threshold), as its gateway would send it. */
export async function pushAlert(p: Pipeline, gw: TestGateway, id: string, message: string, at: number, severity: 'info' | 'warning' | 'critical' = 'critical'): Promise<void> {
  await p.sink.accept(hubMessage(gw.device, gw.batch('alerts', [gw.alert(id, 'reefer_out_of_range', 'raised', severity, at, at, message)]), at + 500));
}

/** HubSource kept in memory: twins, scripted method answers, connection notices. For unit-level API tests. */
export class FakeHub implements HubSource {
  readonly twins = new Map<string, Twin>();
  readonly calls: { deviceId: string; method: string; payload: unknown; timeoutS: number }[] = [];
  readonly desiredPatches: { deviceId: string; patch: Record<string, unknown> }[] = [];
  private readonly listeners = new Set<(e: DeviceConnectionEvent) => void>();
  answer: (deviceId: string, method: string, payload: unknown) => MethodResult | null = () => ({ status: 200, payload: { ok: true } });

  addDevice(deviceId: string, reported: Record<string, unknown> = {}): void {
    this.twins.set(deviceId, { deviceId, desired: { $version: 1 }, reported: { $version: 1, ...reported } });
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async getTwin(deviceId: string): Promise<Twin> {
    const t = this.twins.get(deviceId);
    if (!t) throw new DeviceNotFoundError(deviceId);
    return structuredClone(t);
  }
  async updateDesired(deviceId: string, patch: Record<string, unknown>): Promise<Twin> {
    const t = this.twins.get(deviceId);
    if (!t) throw new DeviceNotFoundError(deviceId);
    this.desiredPatches.push({ deviceId, patch });
    t.desired = { ...mergePatch(t.desired, patch), $version: t.desired.$version + 1 };
    return structuredClone(t);
  }
  async invokeMethod(deviceId: string, method: string, payload: unknown, timeoutS: number): Promise<MethodResult> {
    if (!this.twins.has(deviceId)) throw new DeviceNotFoundError(deviceId);
    this.calls.push({ deviceId, method, payload, timeoutS });
    const r = this.answer(deviceId, method, payload);
    if (r === null) throw new MethodTimeoutError(deviceId, method, timeoutS, 'device not connected');
    return r;
  }
  async sendC2D(): Promise<void> {}
  onConnection(listener: (e: DeviceConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(deviceId: string, connected: boolean, at: number): void {
    for (const l of this.listeners) l({ deviceId, connected, at });
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** Device admin over the fake hub's twins. */
export function fakeDevices(hub: FakeHub): DeviceAdmin {
  return {
    list: async () => [...hub.twins.keys()].sort().map((deviceId) => ({ deviceId, disabled: false })),
    add: async (deviceId) => {
      hub.addDevice(deviceId);
      return { deviceId, connectionString: `HostName=hub.local;DeviceId=${deviceId};SharedAccessKey=c2VjcmV0` };
    },
    remove: async (deviceId) => {
      hub.twins.delete(deviceId);
    },
  };
}

export interface LogLine {
  level: number;
  msg?: string;
  [k: string]: unknown;
}

export function captureLog(): { logger: Logger; lines: string[]; records: () => LogLine[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as LogLine) };
}

export const REPORTED_GW1 = {
  sync: {
    lanes: {
      telemetry: { backlogEvents: 120, backlogBytes: 4800, oldestUnsentMs: NOW - 45_000, lastAckedSeq: 250, lastAckAt: NOW - 5000, evicted: 0 },
      alerts: { backlogEvents: 1, backlogBytes: 300, oldestUnsentMs: NOW - 2000, lastAckedSeq: 3, lastAckAt: NOW - 5000, evicted: 0 },
    },
    rejects: 0,
    diskBytes: 123_456,
    connectivity: 'online',
    bootId: 'boot-1',
    version: '1.0.0',
    updatedAt: NOW - 10_000,
  },
};

export interface ApiFixture {
  dir: string;
  pipeline: Pipeline;
  hub: FakeHub;
  app: FastifyInstance;
  tokens: Record<Role, string>;
  log: ReturnType<typeof captureLog>;
  close: () => Promise<void>;
}

/** A pipeline with the fleet day, the fake hub (gw-1 and gw-2 with twins, gw-3 registered and never seen) and the API. */
export async function startApi(extra: Partial<CloudApiOptions> = {}, opts: { connection?: boolean } = {}): Promise<ApiFixture> {
  const dir = await tempDir();
  const pipeline = await Pipeline.open({ dataDir: dir, settings: { export: { enabled: false } } });
  await ingestFleet(pipeline);
  const hub = new FakeHub();
  hub.addDevice('gw-1', REPORTED_GW1);
  hub.addDevice('gw-2');
  hub.addDevice('gw-3');
  const store = await TokenStore.open(dir);
  const tokens = {
    viewer: (await store.create('viewer', 'test viewer')).token,
    operator: (await store.create('operator', 'test operator')).token,
    admin: (await store.create('admin', 'test admin')).token,
  };
  const log = captureLog();
  const app = await createCloudApi({
    pipeline: opts.connection === false ? withoutReadConnection(pipeline) : pipeline,
    hub,
    dataDir: dir,
    logger: log.logger,
    now: () => NOW,
    devices: fakeDevices(hub),
    metrics: { defaultMetrics: false },
    ...extra,
  });
  return {
    dir,
    pipeline,
    hub,
    app,
    tokens,
    log,
    close: async () => {
      await app.close();
      await pipeline.close();
    },
  };
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
