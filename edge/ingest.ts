import type { Logger } from 'pino';
import type { AlertV2, Lane, PositionV2, ReadingV2 } from '../shared/contracts/types.ts';
import { parseSensorTopic } from '../shared/sensor-protocol/topics.ts';
import { decodeSensorPayload, type SensorItem } from '../shared/sensor-protocol/decode.ts';
import { upcastPosition, upcastReading } from '../shared/contracts/upcast.ts';
import type { Journal, JournalItem } from './journal/index.ts';
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
 * Every alert the engine emits goes to the displays at once and into the alerts lane. Returns the appends so a
 * caller that must not acknowledge before they are durable can wait for them.
 */
export function emitAlerts(deps: Pick<IngestDeps, 'journal' | 'metrics' | 'showAlert'>, alerts: AlertV2[], rt: number): Promise<number>[] {
  return alerts.map((alert) => {
    deps.metrics.alerts.inc({ state: alert.state, severity: alert.severity });
    deps.showAlert(alert);
    return deps.journal.append('alerts', { rt, kind: 'alert', body: alert });
  });
}

/**
 * The gateway's store-before-acknowledge step, run inside the broker's authorizePublish: decode, stamp with the
 * gateway's receive time, evaluate alert rules, journal. The returned promise settles when every resulting event is
 * durable; only then does the sensor get its PUBACK. Malformed payloads are journalled in the rejects lane (and so
 * acknowledged: resending garbage would not make it better), never dropped.
 */
export function createIngest(deps: IngestDeps): PublishHandler {
  const { journal, engine, metrics } = deps;
  // Label lookups hash their label object on every call: bind the children once.
  const ingestedByQos = (['0', '1', '2'] as const).map((q) => metrics.ingested.labels({ lane: 'telemetry', qos: q }));
  return async (who: Principal, topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> => {
    const rt = Date.now();
    const parsed = parseSensorTopic(topic);
    const writes: Promise<number>[] = [];
    const put = (lane: Lane, item: JournalItem): void => {
      if (qos === 0 && lane !== 'alerts') journal.appendBestEffort(lane, item);
      else writes.push(journal.append(lane, item));
    };
    const reject = (reason: string, code: string, raw: Uint8Array): void => {
      metrics.rejects.inc({ reason: code });
      put('rejects', {
        rt,
        kind: 'reject',
        body: { topic, raw: raw.subarray(0, REJECT_RAW_LIMIT), reason, ...(who.role === 'sensor' ? { sensor: who.sensor } : {}) },
      });
    };
    if (qos === 0) metrics.qos0.inc();
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
        if (alerts.length) writes.push(...emitAlerts(deps, alerts, rt));
      }
    }
    try {
      await Promise.all(writes);
    } catch (err) {
      metrics.storeFailures.inc();
      throw err;
    }
  };
}
