/**
 * Uplink efficiency: the batch wire format against one JSON document per reading, on one truck's generated day.
 * The day is generated here, deterministically, so every run measures the same bytes.
 */
import { mulberry32 } from '../../test/support/mulberry32.ts';
import type { PositionV2, ReadingV1, ReadingV2, StampedEvent } from '../../shared/contracts/types.ts';
import {
  DEFAULT_TARGET_BYTES,
  MAX_MESSAGE_BYTES,
  MESSAGE_PROPERTY_HEADROOM,
  WIRE_CONTENT_ENCODING,
  WIRE_CONTENT_TYPE,
  batchId,
  decodeBatch,
  encodeBatch,
  fitBatch,
  messageProperties,
  type BatchHeader,
  type BatchHeaderInput,
} from '../../shared/wire/index.ts';
import type { BenchRow, BenchSuite } from '../harness.ts';

export { mulberry32 } from '../../test/support/mulberry32.ts';

const quantize = (x: number, step: number): number => {
  const q = Math.round(x / step) * step;
  // Strip binary noise so the value prints as the sensor's decimal (e.g. 0.05 * 7 -> 0.35).
  return Number(q.toFixed(6));
};

export interface TruckDayOptions {
  /** Hours of driving; the full day draws 10-14 h, quick mode uses 1 h without breaks. */
  drivingHours?: number;
  seed?: number;
  vehicle?: string;
}

/**
 * One truck's day as the gateway journals it on the telemetry lane: J1939 engine signals at 1 Hz while driving
 * (slower ones every 10 s or 60 s), GPS at 1 Hz (every 60 s while parked), reefer temperatures every 10-30 s from
 * old v1 firmware, accelerometer peak summaries every 10 s. Seqs are contiguous from 1.
 */
export function generateTruckDay(opts: TruckDayOptions = {}): StampedEvent[] {
  const rnd = mulberry32(opts.seed ?? 0x7e1e);
  const vehicle = opts.vehicle ?? 'TRK-0042';
  const drivingS = Math.round((opts.drivingHours ?? 10 + rnd() * 4) * 3600);
  const withBreaks = opts.drivingHours === undefined || opts.drivingHours > 4;
  const events: StampedEvent[] = [];
  let seq = 1;
  const push = (t: number, e: Omit<StampedEvent, 'seq' | 'rt'>): void => {
    events.push({ seq: seq++, rt: t + 5 + Math.floor(rnd() * 60), ...e } as StampedEvent);
  };
  const j1939 = (t: number, signal: string, spn: number, value: number, unit: string): void => {
    const body: ReadingV2 = { v: 2, vehicle, sensor: 'j1939', signal, value, unit, sensorTime: t, quality: 'good', spn };
    push(t, { kind: 'reading', body });
  };

  let t = Date.UTC(2025, 2, 10, 4, 0, 0);
  let lat = 51.2194;
  let lon = 4.4025;
  let heading = 92;
  let alt = 12;
  let speed = 0;
  let targetSpeed = 85;
  let coolant = 60;
  let fuelLevel = 88;
  let odometer = 412_337.25;
  let totalFuel = 151_220.5;
  let engineHours = 9_812.4;
  let reeferSupply = 2.1;
  let reeferNextAt = t;
  let driven = 0;
  let segmentLeft = Math.round((2 + rnd() * 2.5) * 3600);
  let breakLeft = 0;

  while (driven < drivingS) {
    const driving = breakLeft === 0;
    const ms = t + 13;
    if (driving) {
      if (rnd() < 0.004) targetSpeed = [30, 50, 70, 85, 89][Math.floor(rnd() * 5)]!;
      speed += Math.max(-2.5, Math.min(1.2, (targetSpeed - speed) * 0.08)) + (rnd() - 0.5) * 0.6;
      speed = Math.max(0, Math.min(92, speed));
      heading = (heading + (rnd() - 0.5) * (speed > 60 ? 1 : 6) + 360) % 360;
      const dist = speed / 3600; // km this second
      lat += (dist / 111.2) * Math.cos((heading * Math.PI) / 180);
      lon += (dist / (111.2 * Math.cos((lat * Math.PI) / 180))) * Math.sin((heading * Math.PI) / 180);
      alt = Math.max(0, alt + (rnd() - 0.5) * 0.8);
      coolant += (88 + (speed > 70 ? 3 : 0) - coolant) * 0.01 + (rnd() - 0.5) * 0.3;
      const rpm = speed < 2 ? 650 + rnd() * 30 : 900 + speed * 12 + (rnd() - 0.5) * 80;
      const load = Math.min(100, Math.max(5, speed * 0.6 + (rnd() - 0.5) * 20));
      const fuelRate = 2 + load * 0.38 + (rnd() - 0.5);
      odometer += dist;
      totalFuel += fuelRate / 3600;
      fuelLevel -= fuelRate / 3600 / 6; // 600 L tank, percent
      engineHours += 1 / 3600;

      j1939(ms, 'engine_speed', 190, quantize(rpm, 0.125), 'rpm');
      j1939(ms, 'vehicle_speed', 84, quantize(speed, 1 / 256), 'km/h');
      j1939(ms, 'coolant_temp', 110, Math.round(coolant), 'C');
      j1939(ms, 'fuel_rate', 183, quantize(fuelRate, 0.05), 'L/h');
      j1939(ms, 'oil_pressure', 100, quantize(280 + rpm * 0.12 + (rnd() - 0.5) * 12, 4), 'kPa');
      j1939(ms, 'engine_load', 92, Math.round(load), '%');
      if (driven % 10 === 0) {
        j1939(ms, 'fuel_level', 96, quantize(fuelLevel, 0.4), '%');
        j1939(ms, 'battery_voltage', 168, quantize(27.6 + (rnd() - 0.5) * 0.4, 0.05), 'V');
        for (const [signal, g] of [['accel_peak_long', 0.9], ['accel_peak_lat', 0.7], ['accel_peak_vert', 1.4]] as const) {
          const body: ReadingV2 = {
            v: 2, vehicle, sensor: 'imu-1', signal, value: quantize(rnd() * rnd() * g * 9.81, 0.01), unit: 'm/s2',
            sensorTime: t + 500, quality: 'good',
          };
          push(t + 500, { kind: 'reading', body });
        }
      }
      if (driven % 60 === 0) {
        j1939(ms, 'total_distance', 245, quantize(odometer, 0.125), 'km');
        j1939(ms, 'total_fuel_used', 250, quantize(totalFuel, 0.5), 'L');
        j1939(ms, 'engine_hours', 247, quantize(engineHours, 0.05), 'h');
      }
      driven++;
      if (withBreaks && --segmentLeft === 0) {
        breakLeft = Math.round((15 + rnd() * 30) * 60);
        segmentLeft = Math.round((2 + rnd() * 2.5) * 3600);
        speed = 0;
      }
    } else {
      breakLeft--;
    }
    if (driving || t % 60_000 === 0) {
      const body: PositionV2 = {
        v: 2, vehicle, sensor: 'gps', lat: quantize(lat, 1e-6), lon: quantize(lon, 1e-6), sensorTime: t + 200,
        speedKmh: quantize(driving ? speed : 0, 0.1), heading: Math.round(heading), altitude: quantize(alt, 0.1),
        hdop: quantize(0.7 + rnd() * 0.8, 0.1), satellites: 7 + Math.floor(rnd() * 6),
      };
      push(t + 200, { kind: 'position', body });
    }
    if (t >= reeferNextAt) {
      reeferSupply += (2 - reeferSupply) * 0.1 + (rnd() - 0.5) * 0.4;
      const supply: ReadingV1 = { v: 1, vehicle, sensor: 'reefer-1', signal: 'supply_temp', value: quantize(reeferSupply, 0.1), unit: 'C', ts: t + 700 };
      const ret: ReadingV1 = { ...supply, signal: 'return_temp', value: quantize(reeferSupply + 1.5 + rnd() * 1.5, 0.1) };
      push(t + 700, { kind: 'reading', body: supply });
      push(t + 700, { kind: 'reading', body: ret });
      reeferNextAt = t + (10 + Math.floor(rnd() * 21)) * 1000;
    }
    t += 1000;
  }
  return events;
}

// IoT Hub S1: 25 USD per unit per month, 400,000 messages of up to 4 KB per unit per day. A month is taken as 30 days,
// so one billed 4 KB block costs 25 / (400,000 * 30) = 2.083e-6 USD. (Real billing is per whole unit: this is the
// amortised price of a block on a hub that is kept full.)
const S1_USD_PER_UNIT_MONTH = 25;
const S1_MESSAGES_PER_UNIT_DAY = 400_000;
const USD_PER_BLOCK = S1_USD_PER_UNIT_MONTH / (S1_MESSAGES_PER_UNIT_DAY * 30);
const BLOCK = 4096;
const blocks = (bytes: number): number => Math.max(1, Math.ceil(bytes / BLOCK));

/** Bytes IoT Hub meters besides the body: system property values, application property names and values. */
function propertyBytes(header: BatchHeader): number {
  let n = batchId(header).length + WIRE_CONTENT_TYPE.length + WIRE_CONTENT_ENCODING.length;
  for (const [k, v] of Object.entries(messageProperties(header))) n += k.length + v.length;
  return n;
}

const GROUP = 'Uplink efficiency (wire format)';
const JSON_BASELINE = 'one JSON document per reading';
const HEADER: BatchHeaderInput = { gatewayId: 'gw-TRK-0042', epoch: '01JNZ8Q3W5M7Y2K4T6V8X0B1C3', lane: 'telemetry', createdAt: Date.UTC(2025, 2, 11) };

interface Batched {
  messages: Uint8Array[];
  chunks: StampedEvent[][];
  seconds: number;
}

function batch(day: StampedEvent[], target: number): Batched {
  const messages: Uint8Array[] = [];
  const chunks: StampedEvent[][] = [];
  const t0 = performance.now();
  for (let i = 0; i < day.length; ) {
    // Hand fitBatch a window, as the gateway does from its journal, not the whole day.
    const { bytes, taken } = fitBatch(HEADER, day.slice(i, i + 50_000), target);
    messages.push(bytes);
    chunks.push(day.slice(i, i + taken));
    i += taken;
  }
  return { messages, chunks, seconds: (performance.now() - t0) / 1000 };
}

/** Runs fn over the input at least minSeconds in total and returns items per second. */
function rate(items: number, minSeconds: number, fn: () => void): number {
  let rounds = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    fn();
    rounds++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < minSeconds);
  return (items * rounds) / elapsed;
}

export const wireSuite: BenchSuite = {
  name: 'wire',
  async run({ quick }) {
    const day = generateTruckDay(quick ? { drivingHours: 1 } : {});
    const n = day.length;
    const perMillion = (x: number): number => (x / n) * 1e6;
    const minSeconds = quick ? 0.3 : 1;

    // Baseline: each reading its own message, JSON, as a naive device would send it.
    const json = day.map((e) => Buffer.from(JSON.stringify(e)));
    const jsonBytes = json.reduce((s, b) => s + b.length, 0);
    const jsonBlocks = json.reduce((s, b) => s + blocks(b.length), 0);
    const jsonEncode = rate(n, minSeconds, () => {
      for (const e of day) Buffer.from(JSON.stringify(e));
    });
    const jsonDecode = rate(n, minSeconds, () => {
      for (const b of json) JSON.parse(b.toString('utf8'));
    });

    const rows: BenchRow[] = [];
    const baseline = (value: number) => ({ name: JSON_BASELINE, value });
    for (const [label, target] of [
      ['64 KB batches', DEFAULT_TARGET_BYTES],
      ['256 KB batches', MAX_MESSAGE_BYTES - MESSAGE_PROPERTY_HEADROOM],
    ] as const) {
      const b = batch(day, target);
      const wireBytes = b.messages.reduce((s, m) => s + m.length, 0);
      const headers = b.messages.map((m) => decodeBatch(m).header);
      const wireBlocks = b.messages.reduce((s, m, i) => s + blocks(m.length + propertyBytes(headers[i]!)), 0);
      rows.push(
        {
          group: GROUP, name: `bytes per reading (${label})`, value: wireBytes / n, unit: 'B', baseline: baseline(jsonBytes / n),
          target: '<= 0.2x JSON', higherIsBetter: false,
          note: `${n.toLocaleString('en-US')} readings of one truck's ${quick ? '1 h' : 'day'} in ${b.messages.length} messages (${label}, brotli q5 over msgpack records); JSON baseline is each StampedEvent as its own JSON document`,
        },
        {
          group: GROUP, name: `IoT Hub 4 KB blocks per million readings (${label})`, value: perMillion(wireBlocks), unit: 'blocks',
          baseline: baseline(perMillion(jsonBlocks)), target: '<= 0.01x JSON (100x fewer)', higherIsBetter: false,
          note: 'each message is ceil((body + property bytes) / 4096) blocks, at least 1; properties are messageId, content type and encoding, lane, format, firstSeq, lastSeq',
        },
        {
          group: GROUP, name: `S1 cost per million readings (${label})`, value: perMillion(wireBlocks) * USD_PER_BLOCK, unit: 'USD',
          baseline: baseline(perMillion(jsonBlocks) * USD_PER_BLOCK), higherIsBetter: false,
          note: `IoT Hub S1 at ${S1_USD_PER_UNIT_MONTH} USD per unit-month for ${S1_MESSAGES_PER_UNIT_DAY.toLocaleString('en-US')} 4 KB blocks a day, 30-day month: ${USD_PER_BLOCK.toExponential(3)} USD per block`,
        },
      );
      if (target === DEFAULT_TARGET_BYTES) {
        const encode = rate(n, minSeconds, () => {
          for (const c of b.chunks) encodeBatch(HEADER, c);
        });
        const decode = rate(n, minSeconds, () => {
          for (const m of b.messages) decodeBatch(m);
        });
        rows.push(
          {
            group: GROUP, name: `encode speed (${label})`, value: encode, unit: 'readings/s', baseline: baseline(jsonEncode), higherIsBetter: true,
            note: 'encodeBatch on the batches fitBatch chose; baseline JSON.stringify + UTF-8 per reading',
          },
          {
            group: GROUP, name: `fitBatch speed (${label})`, value: n / b.seconds, unit: 'readings/s', baseline: baseline(jsonEncode), higherIsBetter: true,
            note: 'choosing and encoding the longest prefix that fits: several probe encodes per batch; this is what the gateway pays',
          },
          {
            group: GROUP, name: `decode speed (${label})`, value: decode, unit: 'readings/s', baseline: baseline(jsonDecode), higherIsBetter: true,
            note: 'decodeBatch with all checks; baseline JSON.parse per reading',
          },
        );
      }
    }
    return rows;
  },
  check(rows) {
    const met: Record<string, boolean> = {};
    for (const r of rows) {
      if (!r.baseline || r.baseline.value === 0) continue;
      const ratio = r.value / r.baseline.value;
      if (r.name.startsWith('bytes per reading')) met[r.name] = ratio <= 0.2;
      if (r.name.startsWith('IoT Hub 4 KB blocks')) met[r.name] = ratio <= 0.01;
    }
    return met;
  },
};
