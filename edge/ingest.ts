import type { Logger } from 'pino';
import type { AlertV2, Lane, PositionV2, ReadingV2 } from '../shared/contracts/types.ts';
import { parseSensorTopic, type ParsedTopic } from '../shared/sensor-protocol/topics.ts';
import { decodeSensorPayload, type SensorItem } from '../shared/sensor-protocol/decode.ts';
import { upcastPosition, upcastReading } from '../shared/contracts/upcast.ts';
import type { AppendDone, Journal, JournalItem } from './journal/index.ts';
import type { AlertEngine } from './alerts/index.ts';
import type { Principal } from './broker/acl.ts';
import type { PublishDone, PublishHandler } from './broker/sensor-broker.ts';
import type { GatewayMetrics } from './metrics.ts';

/** Rejected payloads keep at most this much of their raw bytes: enough to diagnose, never enough to flood the uplink. */
export const REJECT_RAW_LIMIT = 4096;

export interface IngestDeps {
  journal: Journal;
  engine: AlertEngine;
  maxPayloadBytes: number;
  /** Time rule durations run on: receive time, or the sensor's own time (see settings `alerts.clock`). */
  clock: 'receive' | 'sensor';
  /** Tells the gateway the newest sensor time seen, which drives time-based rules in `sensor` mode. */
  onSensorTime?(t: number): void;
  metrics: GatewayMetrics;
  log: Logger;
  /** Shows an alert to in-cab displays; called before the alert is durable, for latency. */
  showAlert(alert: AlertV2): void;
}

const toV2 = (item: SensorItem): ReadingV2 | PositionV2 => (item.kind === 'reading' ? upcastReading(item.body) : upcastPosition(item.body));

/**
 * Every alert the engine emits goes to the displays at once, then to `store` for the alerts lane: the caller decides
 * whether its acknowledgement waits for that write.
 */
export function emitAlerts(deps: Pick<IngestDeps, 'metrics' | 'showAlert'>, alerts: AlertV2[], rt: number, store: (item: JournalItem) => void): void {
  for (const alert of alerts) {
    deps.metrics.alerts.inc({ state: alert.state, severity: alert.severity });
    deps.showAlert(alert);
    store({ rt, kind: 'alert', body: alert });
  }
}

/**
 * The gateway's store-before-acknowledge step, run inside the broker's authorizePublish: decode, stamp with the
 * gateway's receive time, evaluate alert rules, journal. `done` is called once every resulting event is durable;
 * only then does the sensor get its PUBACK. Malformed payloads are journalled in the rejects lane (and so
 * acknowledged: resending garbage would not make it better), never dropped.
 */
export function createIngest(deps: IngestDeps): PublishHandler {
  const { journal, engine, metrics } = deps;
  const topics = new TopicCache();
  // This runs for every sensor message, and whatever it allocates lives until the fsync: one small object and its
  // callback per message, no promises.
  return (who, topic, payload, qos, done) => {
    const m = new PendingPublish(done, journal, metrics, qos, Date.now());
    try {
      if (qos === 0) metrics.perMessage.qos0++;
      const parsed = topics.parse(topic);
      if (!parsed) {
        reject(m, who, topic, `topic '${topic}' is not a sensor topic`, 'topic', payload);
      } else {
        const { accepted, rejected } = decodeSensorPayload(parsed, payload, { maxBytes: deps.maxPayloadBytes });
        for (const r of rejected) reject(m, who, topic, r.reason, r.code, r.raw);
        for (const item of accepted) {
          m.put('telemetry', { rt: m.rt, kind: item.kind, body: item.body } as JournalItem);
          metrics.perMessage.ingestedByQos[qos]!++;
          const v2 = toV2(item);
          deps.onSensorTime?.(v2.sensorTime);
          const alerts = engine.onReading(v2, deps.clock === 'sensor' ? v2.sensorTime : m.rt);
          if (alerts.length) emitAlerts(deps, alerts, m.rt, (alert) => m.put('alerts', alert));
        }
      }
    } catch (err) {
      // A bug in here must reach the broker as a refused publish (never a throw into aedes), once the writes
      // already issued have settled.
      m.failure ??= err instanceof Error ? err : new Error(String(err));
    }
    m.stored(null, 0);
  };
}

/** One sensor message's journal writes: tells the broker once all of them are durable, or why not. */
class PendingPublish {
  /** Writes still outstanding, plus 1 until all are issued, so an early completion cannot finish the message. */
  private waiting = 1;
  failure: Error | null = null;
  private storeFailed = false;

  constructor(
    private readonly done: PublishDone,
    private readonly journal: Journal,
    readonly metrics: GatewayMetrics,
    readonly qos: 0 | 1 | 2,
    readonly rt: number,
  ) {}

  readonly stored: AppendDone = (err) => {
    if (err) {
      this.failure ??= err;
      this.storeFailed = true;
    }
    if (--this.waiting > 0) return;
    if (this.storeFailed) this.metrics.storeFailures.inc();
    this.done(this.failure);
  };

  /** QoS 0 is stored without waiting (and never refused); its alerts are still waited for. */
  put(lane: Lane, item: JournalItem): void {
    if (this.qos === 0 && lane !== 'alerts') return this.journal.appendBestEffort(lane, item);
    this.waiting++;
    this.journal.appendThen(lane, item, this.stored);
  }
}

function reject(m: PendingPublish, who: Principal, topic: string, reason: string, code: string, raw: Uint8Array): void {
  m.metrics.rejects.inc({ reason: code });
  m.put('rejects', { rt: m.rt, kind: 'reject', body: { topic, raw: raw.subarray(0, REJECT_RAW_LIMIT), reason, ...(who.role === 'sensor' ? { sensor: who.sensor } : {}) } });
}

/**
 * Sensors publish on the same few topics over and over: parsing each topic once saves a split and its strings per
 * message. Bounded, since topics come from clients.
 */
class TopicCache {
  private readonly parsed = new Map<string, ParsedTopic | null>();
  parse(topic: string): ParsedTopic | null {
    let p = this.parsed.get(topic);
    if (p === undefined) {
      p = parseSensorTopic(topic);
      if (this.parsed.size >= 4096) this.parsed.clear();
      this.parsed.set(topic, p);
    }
    return p;
  }
}
