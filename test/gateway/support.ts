/**
 * Shared pieces of the gateway integration tests: a real gateway PROCESS (`fleetsync gateway --config`), the embedded
 * IoT Hub endpoint in the test process with a sink that decodes and records every batch, MQTT.js sensors that
 * remember which readings got a PUBACK, and helpers to read the gateway's /metrics and /healthz.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import { pino } from 'pino';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { decodeBatch } from '../../shared/wire/index.ts';
import type { HubTelemetry, IngestSink } from '../../cloud/hub/ingest-sink.ts';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { hashPassword } from '../../edge/broker/password.ts';
import { waitFor } from '../support/wait-for.ts';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(REPO, 'cli', 'fleetsync.js');

// ------------------------------------------------------------------------------------------------ temp folders

const dirs: string[] = [];
export async function tempDir(prefix = 'fleetsync-gw-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

export { waitFor };

// ------------------------------------------------------------------------------------------------ hub side

export interface HubBatch {
  /** Arrival order at the hub (0, 1, 2, ...). */
  order: number;
  at: number;
  deviceId: string;
  messageId: string;
  lane: Lane;
  epoch: string;
  firstSeq: number;
  lastSeq: number;
  events: StampedEvent[];
}

/**
 * Decodes every batch the hub accepts and records it. `stall()` makes accept hang until released, as a frozen
 * Bronze would: the hub then never acknowledges, and the device sees a half-open link.
 */
export class RecordingSink implements IngestSink {
  readonly batches: HubBatch[] = [];
  readonly undecodable: string[] = [];
  /** Messages that arrived while stalled (recorded only once released). */
  stalledCalls = 0;
  private gate: Promise<void> | null = null;

  stall(): () => void {
    let open: () => void = () => undefined;
    this.gate = new Promise<void>((r) => (open = r));
    return () => {
      this.gate = null;
      open();
    };
  }

  async accept(msg: HubTelemetry): Promise<void> {
    if (this.gate) {
      this.stalledCalls++;
      await this.gate;
    }
    try {
      const b = decodeBatch(msg.body);
      this.batches.push({
        order: this.batches.length,
        at: Date.now(),
        deviceId: msg.deviceId,
        messageId: msg.system.messageId ?? '',
        lane: b.header.lane,
        epoch: b.header.epoch,
        firstSeq: b.header.firstSeq,
        lastSeq: b.header.lastSeq,
        events: b.events,
      });
    } catch (err) {
      this.undecodable.push((err as Error).message);
    }
  }
  async close(): Promise<void> {}

  events(lane: Lane): Array<StampedEvent & { epoch: string; order: number }> {
    return this.batches.filter((b) => b.lane === lane).flatMap((b) => b.events.map((e) => ({ ...e, epoch: b.epoch, order: b.order })));
  }
}

export interface TestHub {
  hub: EmbeddedHub;
  sink: RecordingSink;
  dataDir: string;
  port: number;
  /** The CA the gateway must trust (stays valid across restarts: same data folder). */
  caFile: string;
  /** Stops the endpoint (an outage); `restart()` brings it back on the same port with the same state. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  connectionString(deviceId: string): Promise<string>;
}

export async function startTestHub(sink = new RecordingSink()): Promise<TestHub> {
  const dataDir = await tempDir('fleetsync-gw-hub-');
  const logger = pino({ level: process.env.GW_TEST_LOG ? 'debug' : 'silent' });
  let hub = new EmbeddedHub({ dataDir, port: 0, bind: '127.0.0.1' }, { logger });
  await hub.start(sink);
  const port = hub.port;
  const t: TestHub = {
    get hub() {
      return hub;
    },
    sink,
    dataDir,
    port,
    caFile: hub.caFile,
    stop: () => hub.stop(),
    restart: async () => {
      // The gateway dials a fixed host:port, so the endpoint must come back where it was.
      hub = new EmbeddedHub({ dataDir, port, bind: '127.0.0.1' }, { logger });
      await waitFor('the hub port to be free again', () => hub.start(sink).then(() => true, () => false), 10_000, 200);
    },
    connectionString: async (deviceId) => {
      if (!(await hub.registry.get(deviceId))) await hub.registry.add(deviceId);
      return hub.connectionString(deviceId, 'primary', `127.0.0.1:${port}`);
    },
  };
  return t;
}

// ------------------------------------------------------------------------------------------------ gateway process

export interface LogRecord {
  level: number;
  msg?: string;
  [k: string]: unknown;
}

export const SENSOR_PASSWORD = 'sensor-secret';
let cachedHash: Promise<string> | null = null;
/** One scrypt hash for all test sensors (hashing costs tens of ms). */
export const sensorHash = (): Promise<string> => (cachedHash ??= hashPassword(SENSOR_PASSWORD));

/** Gateway settings for a test: ports 0, fast retries, quiet logs; `extra` is merged in section by section. */
export async function gatewayConfig(dir: string, extra: Record<string, unknown> = {}, sensors: string[] = ['s1', 's2', 's3']): Promise<Record<string, unknown>> {
  const hash = await sensorHash();
  const base: Record<string, Record<string, unknown> | unknown> = {
    gatewayId: 'gw-test',
    vehicle: 'truck-1',
    dataDir: join(dir, 'gw-data'),
    broker: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    sensors: sensors.map((id) => ({ id, username: id, passwordHash: hash })),
    displays: [{ username: 'cab', passwordHash: hash }],
    uplink: { retryMinMs: 200, retryMaxMs: 1000, sendTimeoutMs: 5000, twinTimeoutMs: 5000, keepaliveS: 10 },
    log: { level: 'info' },
  };
  for (const [k, v] of Object.entries(extra)) {
    const cur = base[k];
    base[k] = cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v) ? { ...cur, ...v } : v;
  }
  return base;
}

export async function writeConfig(dir: string, config: Record<string, unknown>, name = 'gateway.json'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  logs: LogRecord[];
  stderr: string[];
  /** From the "gateway started" line (after `started` resolved). */
  ports: { mqtt: number; http: number };
  bootId: string;
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitLog(what: string, pred: (r: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  term(timeoutMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Starts `node cli/fleetsync.js gateway --config <file>` and parses its JSON log lines. */
export function spawnGateway(configFile: string): GatewayProcess {
  const child = spawn(process.execPath, [CLI, 'gateway', '--config', configFile], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const logs: LogRecord[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (process.env.GW_TEST_LOG) process.stderr.write(`[gw ${child.pid}] ${line}\n`);
      try {
        logs.push(JSON.parse(line) as LogRecord);
      } catch {
        logs.push({ level: 0, msg: line });
      }
      for (const w of [...waiters]) w();
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (process.env.GW_TEST_LOG) process.stderr.write(`[gw ${child.pid} stderr] ${chunk}`);
  });
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      running.delete(child);
      for (const w of [...waiters]) w();
      res({ code, signal });
    }),
  );
  const waitLog = (what: string, pred: (r: LogRecord) => boolean, timeoutMs = 30_000): Promise<LogRecord> =>
    new Promise((res, rej) => {
      let seen = 0;
      const check = (): void => {
        for (; seen < logs.length; seen++) {
          const r = logs[seen]!;
          if (pred(r)) {
            done();
            return res(r);
          }
        }
        if (exitedFlag) {
          done();
          rej(new Error(`gateway exited before ${what}; stderr: ${stderr.join('').slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr.join('').slice(-2000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const gp: GatewayProcess = {
    child,
    pid: child.pid!,
    logs,
    stderr,
    ports: { mqtt: 0, http: 0 },
    bootId: '',
    started: Promise.resolve(),
    exited,
    waitLog,
    kill9: async () => {
      if (!exitedFlag) child.kill('SIGKILL');
      await exited;
    },
    term: async (timeoutMs = 20_000) => {
      if (!exitedFlag) child.kill('SIGTERM');
      const r = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
      if (!r) {
        child.kill('SIGKILL');
        throw new Error(`gateway did not stop within ${timeoutMs} ms of SIGTERM`);
      }
      return r.code;
    },
  };
  gp.started = waitLog('"gateway started"', (r) => r.msg === 'gateway started', 60_000).then((r) => {
    const ports = r.ports as { mqtt: number; http: number };
    gp.ports = { mqtt: ports.mqtt, http: ports.http };
    gp.bootId = String(r.bootId);
  });
  gp.started.catch(() => undefined);
  return gp;
}

/** Kills every gateway process still running (afterAll safety net). */
export async function killAllGateways(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((res) => {
          c.once('exit', () => res());
          c.kill('SIGKILL');
        }),
    ),
  );
}

// ------------------------------------------------------------------------------------------------ HTTP probes

export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 5000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

/** Prometheus text -> `name{labels}` -> value, e.g. `fleetsync_gateway_evictions{lane="telemetry"}`. */
export async function metrics(port: number): Promise<Map<string, number>> {
  const { body } = await httpGet(port, '/metrics');
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

export async function healthz(port: number): Promise<Record<string, unknown>> {
  return JSON.parse((await httpGet(port, '/healthz')).body) as Record<string, unknown>;
}

/** Waits until the gateway's journal holds nothing unsent in any lane. */
export async function waitDrained(port: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'the journal to drain',
    async () => {
      const m = await metrics(port);
      const lanes = ['alerts', 'telemetry', 'status', 'rejects'].map((l) => m.get(`fleetsync_gateway_journal_events{lane="${l}"}`));
      return lanes.every((v) => v === 0);
    },
    timeoutMs,
    200,
  );
}

// ------------------------------------------------------------------------------------------------ sensors

export interface ReadingSpec {
  signal: string;
  value: number;
}

/**
 * A sensor: an MQTT.js client publishing QoS 1 readings with a bounded window in flight. Reading i of sensor s has
 * signal `seq_probe` and value i, so `${s}:${i}` identifies it at the hub. `acked` holds every i that got a PUBACK.
 * MQTT.js keeps unacknowledged QoS 1 publishes and sends them again after a reconnect.
 */
export class Sensor {
  readonly acked = new Set<number>();
  readonly published = new Set<number>();
  next = 1;
  private client: MqttClient;
  private running = false;
  private loop: Promise<void> | null = null;
  private inflight = 0;
  private slot: (() => void) | null = null;

  constructor(
    readonly id: string,
    readonly vehicle: string,
    port: number,
    readonly opts: { inflight?: number; ratePerS?: number; limit?: number; signal?: string; password?: string; reconnectPeriod?: number } = {},
  ) {
    this.client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username: id,
      password: opts.password ?? SENSOR_PASSWORD,
      clientId: `${id}-${process.pid}`,
      reconnectPeriod: opts.reconnectPeriod ?? 100,
      connectTimeout: 5000,
      keepalive: 10,
    });
    this.client.on('error', () => undefined);
  }

  get topic(): string {
    return `fleet/${this.vehicle}/${this.id}/reading`;
  }

  get mqtt(): MqttClient {
    return this.client;
  }

  connected(): Promise<void> {
    return this.client.connected ? Promise.resolve() : new Promise((r) => this.client.once('connect', () => r()));
  }

  /** Publishes one reading; resolves on PUBACK. */
  publish(spec: ReadingSpec, sensorTime = Date.now()): Promise<void> {
    const payload = JSON.stringify({ v: 2, signal: spec.signal, value: spec.value, unit: 'count', sensorTime, quality: 'good' });
    return this.client.publishAsync(this.topic, payload, { qos: 1 }).then(() => undefined);
  }

  /** Starts the numbered load: readings 1, 2, 3, ... with `inflight` in flight, paced to `ratePerS`. */
  start(): void {
    this.running = true;
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const window = this.opts.inflight ?? 10;
    const gapMs = this.opts.ratePerS ? 1000 / this.opts.ratePerS : 0;
    let due = performance.now();
    while (this.running) {
      if (this.inflight >= window) {
        await new Promise<void>((r) => (this.slot = r));
        continue;
      }
      if (gapMs) {
        due += gapMs;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        else if (wait < -1000) due = performance.now(); // do not burst to catch up after a long stall
      }
      if (!this.running || (this.opts.limit !== undefined && this.next > this.opts.limit)) break;
      const i = this.next++;
      this.published.add(i);
      this.inflight++;
      this.publish({ signal: this.opts.signal ?? 'seq_probe', value: i }).then(
        () => this.acked.add(i),
        () => undefined,
      ).finally(() => {
        this.inflight--;
        const s = this.slot;
        this.slot = null;
        s?.();
      });
    }
  }

  /** With a `limit`: waits until all readings were published and acknowledged. */
  async finish(timeoutMs = 60_000): Promise<void> {
    await this.loop;
    await waitFor(`${this.id}: all readings acknowledged`, () => this.inflight === 0, timeoutMs);
  }

  /** Stops publishing new readings and waits until everything in flight got its PUBACK. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.running = false;
    this.slot?.();
    await this.loop;
    this.loop = null;
    await waitFor(`${this.id}: all readings acknowledged`, () => this.inflight === 0, timeoutMs);
  }

  async end(): Promise<void> {
    this.running = false;
    this.slot?.();
    await Promise.race([this.client.endAsync(true), sleep(2000)]).catch(() => undefined);
  }
}

/** A bare MQTT.js connection attempt; resolves with the client or rejects with the refusal. */
export function connectOnce(port: number, username: string, password: string, clientId = `probe-${Math.random().toString(16).slice(2, 10)}`): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username, password, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
  return new Promise((res, rej) => {
    client.once('connect', () => res(client));
    client.once('error', (err) => {
      client.end(true);
      rej(err);
    });
  });
}

/** Identity of a numbered telemetry reading at the hub: `${sensor}:${value}`. */
export const readingKey = (e: StampedEvent): string | null =>
  e.kind === 'reading' && e.body.signal === 'seq_probe' && typeof e.body.value === 'number' ? `${e.body.sensor}:${e.body.value}` : null;

/**
 * A rule set with one rule that raises at once when `alarm_probe` goes above 50 and clears when it drops back,
 * with no cooldown and no storm limit in reach: every crossing is one alert event, so counts are predictable.
 */
export async function writeProbeRules(dir: string, extraRules: Record<string, unknown>[] = []): Promise<string> {
  const file = join(dir, 'rules.json');
  const rules = [
    { id: 'probe_high', type: 'threshold', signal: 'alarm_probe', direction: 'above', threshold: 50, cooldownS: 0, rateLimit: { maxRaises: 100_000, windowS: 3600 } },
    ...extraRules,
  ];
  await writeFile(file, JSON.stringify({ version: 1, description: 'gateway test rules', rules }));
  return file;
}

/** Sum of a labelled counter over all its label sets. */
export function sumMetric(m: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) sum += v;
  return sum;
}

/** An in-cab display: subscribed to the vehicle's alert topics, recording what arrives (retained ones included). */
export async function connectDisplay(port: number, vehicle = 'truck-1'): Promise<{ client: MqttClient; alerts: Array<{ topic: string; body: Record<string, unknown> | null }> }> {
  const client = await connectOnce(port, 'cab', SENSOR_PASSWORD);
  const alerts: Array<{ topic: string; body: Record<string, unknown> | null }> = [];
  client.on('message', (topic, payload) => {
    if (topic.startsWith(`fleet/${vehicle}/alerts/`)) alerts.push({ topic, body: payload.length ? (JSON.parse(payload.toString()) as Record<string, unknown>) : null });
  });
  await client.subscribeAsync(`fleet/${vehicle}/alerts/#`, { qos: 1 });
  return { client, alerts };
}

// ------------------------------------------------------------------------------------------------ per-file set-up

/**
 * What most gateway test files share: one embedded hub started before their tests, and after them their sensors
 * ended, every gateway killed, the hub stopped and the temp folders removed. The hub starts in beforeAll, after the
 * file's top level has run, so `hub` stands for it: using it before then throws.
 */
export function useTestHub(): { hub: TestHub; sensors: Sensor[] } {
  let started: TestHub | undefined;
  const sensors: Sensor[] = [];
  beforeAll(async () => {
    started = await startTestHub();
  });
  afterAll(async () => {
    for (const s of sensors) await s.end();
    await killAllGateways();
    await started?.stop().catch(() => undefined);
    await removeTempDirs();
  });
  const hub = new Proxy({} as TestHub, {
    get: (_target, key) => {
      if (started === undefined) throw new Error('the test hub starts in beforeAll');
      const v: unknown = Reflect.get(started, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(started) : v;
    },
  });
  return { hub, sensors };
}
