/**
 * The ground truth of a simulation run: what every sensor produced, sent, got acknowledged (QoS 1 PUBACK) or
 * dropped, per truck, lane and sensor; the alerts the trucks provoked (on purpose or naturally); their trips;
 * the hooks that fired. Tests compare a gateway's and the cloud's view against it. Written as JSON at the end.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Publication, Anomaly } from './sensor-runtime.ts';
import type { Truck, TruckTruth } from './truck.ts';
import type { PayloadFormat, ReeferSpec } from './sensor-spec.ts';
import type { ScenarioAssignment } from './scenario-apply.ts';

export const GROUND_TRUTH_FORMAT = 'fleetsync-ground-truth';
export const GROUND_TRUTH_VERSION = 1;

export interface ItemCounts {
  publishes: number;
  readings: number;
  positions: number;
}

export interface TelemetryCounts extends ItemCounts {
  /** Publications the sensors made, sent or not. */
  produced: ItemCounts;
  /** QoS 1 publishes the broker acknowledged: the gateway owes these to the cloud. */
  acked: ItemCounts;
  /** Of the sent, those at QoS 0 (written to the socket, no acknowledgement exists). */
  qos0: ItemCounts;
  /** QoS 1 publishes whose acknowledgement never came (client closed first). */
  failed: ItemCounts;
  /** Never sent: QoS 0 while disconnected, or the sensor's offline buffer was full. */
  dropped: ItemCounts;
}

export interface RejectCounts {
  produced: number;
  /** Sent (QoS 1 handed to the client, QoS 0 written). */
  publishes: number;
  acked: number;
  qos0: number;
  failed: number;
  dropped: number;
  /** Sent, by what is wrong with them. */
  byAnomaly: Record<Anomaly, number>;
}

export interface LaneTruth {
  telemetry: TelemetryCounts;
  rejects: RejectCounts;
}

export interface SensorTruth extends LaneTruth {
  topic: string;
  qos: 0 | 1;
  format: PayloadFormat;
  batch: number;
  /** Publishes sent while the sensor was flooding. */
  flood: number;
}

export interface TruckGroundTruth extends LaneTruth, Omit<TruckTruth, 'vehicle'> {
  vehicle: string;
  depot: string;
  firmware: 1 | 2;
  reefer: ReeferSpec | null;
  sensors: Record<string, SensorTruth>;
}

export interface GroundTruth extends LaneTruth {
  format: typeof GROUND_TRUTH_FORMAT;
  version: typeof GROUND_TRUTH_VERSION;
  seed: number | string;
  speedup: number;
  startMs: number;
  /** Simulated time the run reached. */
  endMs: number;
  scenarios: ScenarioAssignment[];
  trucks: Record<string, TruckGroundTruth>;
}

/** One publication as the recorder saw it (kept only with `keepLog`). */
export interface SentRecord {
  vehicle: string;
  sensor: string;
  topic: string;
  qos: 0 | 1;
  t: number;
  lane: Publication['lane'];
  items: number;
  payload: Uint8Array;
  state: 'produced' | 'sent' | 'acked' | 'failed' | 'dropped';
}

const items = (): ItemCounts => ({ publishes: 0, readings: 0, positions: 0 });
const telemetry = (): TelemetryCounts => ({ ...items(), produced: items(), acked: items(), qos0: items(), failed: items(), dropped: items() });
const rejects = (): RejectCounts => ({
  produced: 0,
  publishes: 0,
  acked: 0,
  qos0: 0,
  failed: 0,
  dropped: 0,
  byAnomaly: { garbage: 0, nan: 0, 'wrong-type': 0 },
});
const lanes = (): LaneTruth => ({ telemetry: telemetry(), rejects: rejects() });

function add(c: ItemCounts, p: Publication): void {
  c.publishes++;
  c.readings += p.readings;
  c.positions += p.positions;
}

type Stage = 'produced' | 'sent' | 'acked' | 'failed' | 'dropped';

function count(l: LaneTruth, p: Publication, stage: Stage): void {
  if (p.lane === 'telemetry') {
    const t = l.telemetry;
    if (stage === 'produced') add(t.produced, p);
    else if (stage === 'sent') {
      add(t, p);
      if (p.qos === 0) add(t.qos0, p);
    } else add(t[stage], p);
    return;
  }
  const r = l.rejects;
  if (stage === 'produced') r.produced++;
  else if (stage === 'sent') {
    r.publishes++;
    if (p.qos === 0) r.qos0++;
    if (p.anomaly) r.byAnomaly[p.anomaly]++;
  } else r[stage]++;
}

export interface RecorderOptions {
  seed: number | string;
  speedup: number;
  startMs: number;
  scenarios?: ScenarioAssignment[];
  /** Keep every publication (payload included) for tests that match them one by one. */
  keepLog?: boolean;
}

export class GroundTruthRecorder {
  private readonly fleetTotals = lanes();
  private readonly perTruck = new Map<string, { truck: Truck; lanes: LaneTruth; sensors: Map<string, SensorTruth> }>();
  private readonly records = new WeakMap<Publication, SentRecord>();
  private readonly logList: SentRecord[] = [];
  private endMs: number;

  constructor(private readonly opts: RecorderOptions) {
    this.endMs = opts.startMs;
  }

  /** Registers a truck so its model truth (alerts, trips, hooks) joins the snapshot. */
  addTruck(truck: Truck): void {
    const sensors = new Map<string, SensorTruth>();
    for (const s of truck.spec.sensors) {
      sensors.set(s.id, {
        topic: `fleet/${truck.vehicle}/${s.id}/${s.kind}`,
        qos: s.qos,
        format: s.format,
        batch: s.batch,
        flood: 0,
        ...lanes(),
      });
    }
    this.perTruck.set(truck.vehicle, { truck, lanes: lanes(), sensors });
  }

  private record(p: Publication, stage: Stage): void {
    const entry = this.perTruck.get(p.vehicle);
    count(this.fleetTotals, p, stage);
    if (entry) {
      count(entry.lanes, p, stage);
      const s = entry.sensors.get(p.sensor);
      if (s) {
        count(s, p, stage);
        if (stage === 'sent' && p.flood) s.flood++;
      }
    }
    if (this.opts.keepLog) {
      let rec = this.records.get(p);
      if (!rec) {
        rec = { vehicle: p.vehicle, sensor: p.sensor, topic: p.topic, qos: p.qos, t: p.t, lane: p.lane, items: p.readings + p.positions, payload: p.payload, state: stage };
        this.records.set(p, rec);
        this.logList.push(rec);
      }
      rec.state = stage;
    }
    if (p.t > this.endMs) this.endMs = p.t;
  }

  /** The sensor made it. */
  produced(p: Publication): void {
    this.record(p, 'produced');
  }

  /** Handed to the client (QoS 1) or written (QoS 0). */
  sent(p: Publication): void {
    this.record(p, 'sent');
  }

  /** PUBACK arrived. */
  acked(p: Publication): void {
    this.record(p, 'acked');
  }

  /** The client gave up on it before an acknowledgement. */
  failed(p: Publication): void {
    this.record(p, 'failed');
  }

  /** Never sent. */
  dropped(p: Publication): void {
    this.record(p, 'dropped');
  }

  /** Notes how far simulated time got (publications also move it). */
  reached(simMs: number): void {
    if (simMs > this.endMs) this.endMs = simMs;
  }

  /** Fleet-wide counts so far (cheap: no per-truck truth). */
  totals(): LaneTruth {
    return structuredClone(this.fleetTotals);
  }

  /** Every publication with its last state, when `keepLog` is on. */
  log(): readonly SentRecord[] {
    return this.logList;
  }

  snapshot(): GroundTruth {
    const trucks: Record<string, TruckGroundTruth> = {};
    for (const [vehicle, e] of [...this.perTruck].sort(([a], [b]) => a.localeCompare(b))) {
      const truth = e.truck.truth();
      trucks[vehicle] = {
        ...structuredClone(e.lanes),
        ...truth,
        vehicle,
        depot: e.truck.spec.depot,
        firmware: e.truck.spec.firmware,
        reefer: e.truck.spec.reefer,
        sensors: Object.fromEntries([...e.sensors].map(([id, s]) => [id, structuredClone(s)])),
      };
    }
    return {
      format: GROUND_TRUTH_FORMAT,
      version: GROUND_TRUTH_VERSION,
      seed: this.opts.seed,
      speedup: this.opts.speedup,
      startMs: this.opts.startMs,
      endMs: this.endMs,
      scenarios: this.opts.scenarios ?? [],
      ...structuredClone(this.fleetTotals),
      trucks,
    };
  }

  async write(file: string): Promise<GroundTruth> {
    const gt = this.snapshot();
    await writeFile(file, `${JSON.stringify(gt, null, 1)}\n`);
    return gt;
  }
}

export class GroundTruthError extends Error {
  override readonly name = 'GroundTruthError';
}

/** Reads a ground-truth file written by `GroundTruthRecorder.write`. */
export function readGroundTruth(file: string): GroundTruth {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GroundTruthError(`${file}: not a readable JSON file: ${(err as Error).message}`);
  }
  const doc = raw as Partial<GroundTruth> | null;
  if (!doc || doc.format !== GROUND_TRUTH_FORMAT) throw new GroundTruthError(`${file}: /format: expected '${GROUND_TRUTH_FORMAT}'`);
  if (doc.version !== GROUND_TRUTH_VERSION) throw new GroundTruthError(`${file}: /version: expected ${GROUND_TRUTH_VERSION}, got ${String(doc.version)}`);
  if (typeof doc.trucks !== 'object' || doc.trucks === null) throw new GroundTruthError(`${file}: /trucks: expected an object`);
  return doc as GroundTruth;
}
