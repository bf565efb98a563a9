import type { Logger } from 'pino';
import type { AlertV2, Lane, PositionV2, ReadingV2 } from '../shared/contracts/types.ts';
import { parseSensorTopic, type ParsedTopic } from '../shared/sensor-protocol/topics.ts';
import { decodeSensorPayload, type SensorItem } from '../shared/sensor-protocol/decode.ts';
import { upcastPosition, upcastReading } from '../shared/contracts/upcast.ts';
import type { AppendDone, Journal, JournalItem } from './journal/index.ts';
import type { AlertEngine } from './alerts/index.ts';
import type { Principal } from './broker/acl.ts';
import type { PublishHandler } from './broker/sensor-broker.ts';
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
 * Every alert the engine emits goes to the displays at once and into the alerts lane; `stored` hears about each
 * append, so a caller that must not acknowledge before they are durable can wait for them.
 */
export function emitAlerts(deps: Pick<IngestDeps, 'journal' | 'metrics' | 'showAlert'>, alerts: AlertV2[], rt: number, stored: AppendDone): void {
  for (const alert of alerts) {
    deps.metrics.alerts.inc({ state: alert.state, severity: alert.severity });
    deps.showAlert(alert);
    deps.journal.appendThen('alerts', { rt, kind: 'alert', body: alert }, stored);
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
  // Label lookups hash their label object on every call: bind the children once.
  const ingestedByQos = (['0', '1', '2'] as const).map((q) => metrics.ingested.labels({ lane: 'telemetry', qos: q }));
  const topics = new TopicCache();
  // This runs for every sensor message: one closure per message and no promises, since whatever is allocated here
  // lives until the fsync.
  return (who, topic, payload, qos, done) => {
    const rt = Date.now();
    // Writes this message still waits for. It starts at 1 for the issuing below, so no write that completes early
    // can finish the message before all of them are issued.
    let waiting = 1;
    let failure: Error | null = null;
    let storeFailed = false;
    const stored: AppendDone = (err) => {
      if (err) {
        failure ??= err;
        storeFailed = true;
      }
      if (--waiting > 0) return;
      if (storeFailed) metrics.storeFailures.inc();
      done(failure);
    };
    const put = (lane: Lane, item: JournalItem): void => {
      if (qos === 0 && lane !== 'alerts') return journal.appendBestEffort(lane, item);
      waiting++;
      journal.appendThen(lane, item, stored);
    };
    const reject = (reason: string, code: string, raw: Uint8Array): void => {
      metrics.rejects.inc({ reason: code });
      put('rejects', { rt, kind: 'reject', body: { topic, raw: raw.subarray(0, REJECT_RAW_LIMIT), reason, ...(who.role === 'sensor' ? { sensor: who.sensor } : {}) } });
    };
    try {
      if (qos === 0) metrics.qos0.inc();
      const parsed = topics.parse(topic);
      if (!parsed) {
        reject(`topic '${topic}' is not a sensor topic`, 'topic', payload);
      } else {
        const { accepted, rejected } = decodeSensorPayload(parsed, payload, { maxBytes: deps.maxPayloadBytes });
        for (const r of rejected) reject(r.reason, r.code, r.raw);
        for (const item of accepted) {
          put('telemetry', { rt, kind: item.kind, body: item.body } as JournalItem);
          ingestedByQos[qos]!.inc();
          const v2 = toV2(item);
          deps.onSensorTime?.(v2.sensorTime);
          const alerts = engine.onReading(v2, deps.clock === 'sensor' ? v2.sensorTime : rt);
          if (alerts.length) {
            waiting += alerts.length;
            emitAlerts(deps, alerts, rt, stored);
          }
        }
      }
    } catch (err) {
      // A bug in here must reach the broker as a refused publish (never a throw into aedes), once the writes
      // already issued have settled.
      failure ??= err instanceof Error ? err : new Error(String(err));
    }
    stored(null, 0);
  };
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
