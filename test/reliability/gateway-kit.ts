/**
 * A real gateway in the test process (startGateway: real aedes, real LevelDB, real SDK uplink when a connection
 * string is given), with its log records captured, plus readers for its journal lanes and its Prometheus counters.
 * In-process keeps the fast suite fast; the process-level kill tests live in test/gateway.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import mqtt, { type MqttClient } from 'mqtt';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { validateSettings } from '../../shared/settings/load-settings.ts';
import { GatewaySettings } from '../../edge/settings.ts';
import { startGateway, type Gateway } from '../../edge/gateway.ts';
import { captureLog, type LogRecord } from '../hub/support.ts';
import { SENSOR_PASSWORD, gatewayConfig } from '../gateway/support.ts';

export interface TestGateway {
  gw: Gateway;
  records: LogRecord[];
  logger: Logger;
  settings: GatewaySettings;
}

/** Starts a gateway with the test defaults of test/gateway/support.ts; `extra` is merged in section by section. */
export async function startTestGateway(dir: string, extra: Record<string, unknown> = {}, sensors = ['s1', 's2', 's3']): Promise<TestGateway> {
  const raw = await gatewayConfig(dir, { log: { level: 'debug' }, ...extra }, sensors);
  const settings = validateSettings(GatewaySettings, raw, 'test gateway');
  const { logger, records } = captureLog();
  const gw = await startGateway(settings, logger);
  return { gw, records, logger, settings };
}

/** Every event still in a lane of the journal (nothing is acknowledged without an uplink), in seq order. */
export async function laneEvents(gw: Gateway, lane: Lane): Promise<StampedEvent[]> {
  const c = gw.journal.cursor(lane);
  const out: StampedEvent[] = [];
  for (let chunk = await c.next(); chunk.seqs.length > 0; chunk = await c.next()) out.push(...chunk.events);
  return out;
}

/** Current value of a counter, summed over its label sets unless `labels` picks one. */
export async function counter(gw: Gateway, name: string, labels?: Record<string, string>): Promise<number> {
  const m = await gw.metrics.registry.getSingleMetric(name)?.get();
  if (!m) return 0;
  let sum = 0;
  for (const v of m.values) {
    if (labels && !Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) continue;
    sum += v.value;
  }
  return sum;
}

/** An MQTT.js sensor connection to the gateway; rejects with the CONNACK refusal. */
export function sensorClient(port: number, id: string, password = SENSOR_PASSWORD): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username: id, password, clientId: `${id}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0, connectTimeout: 5000 });
  return new Promise((res, rej) => {
    client.once('connect', () => res(client));
    client.once('error', (err) => {
      client.end(true);
      rej(err);
    });
  });
}

export const readingJson = (signal: string, value: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ v: 2, signal, value, unit: 'count', sensorTime: Date.now(), quality: 'good', ...extra });

/** A sensor that publishes numbered QoS 1 readings (`signal`, value 1, 2, ...) and remembers which were acknowledged. */
export class SteadySensor {
  readonly acked = new Set<number>();
  private n = 0;
  private running = true;
  private readonly loop: Promise<void>;
  constructor(
    readonly client: MqttClient,
    readonly topic: string,
    readonly signal = 'steady_probe',
    gapMs = 20,
  ) {
    this.loop = (async () => {
      while (this.running) {
        const i = ++this.n;
        await client.publishAsync(topic, readingJson(signal, i), { qos: 1 }).then(
          () => this.acked.add(i),
          () => undefined,
        );
        await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  }

  /** Resolves once `more` further readings were acknowledged. */
  async progressed(more = 3, timeoutMs = 15_000): Promise<void> {
    const target = this.acked.size + more;
    const deadline = Date.now() + timeoutMs;
    while (this.acked.size < target) {
      if (Date.now() > deadline) throw new Error(`${this.signal}: no progress (${this.acked.size} acknowledged)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export const dataDirOf = (dir: string): string => join(dir, 'gw-data');
