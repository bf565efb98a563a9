/**
 * Silver's gatekeeping: every quarantine reason (with the raw value kept), v1 and v2 contracts landing in one
 * Silver schema, unit normalisation, and good events of a batch kept when others in it are bad.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPipeline, type Pipeline } from '../../cloud/pipeline/pipeline.ts';
import { QUARANTINE_REASONS } from '../../cloud/pipeline/silver/rows.ts';
import { alert, DEVICE, FakeGateway, hubMessage, position, positionV1, queryRows, reading, readingV1, reject, status, tempDir, VEHICLE } from './fixtures.ts';

const T = Date.UTC(2024, 2, 4, 6);
let p: Pipeline;
let cleanup: () => Promise<void>;
const sql = (q: string): Promise<Record<string, unknown>[]> => queryRows(p, q);

const garbage = new TextEncoder().encode('this is not a batch at all');

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  p = await openPipeline({ dataDir: t.dir, settings: { export: { enabled: false } } });
  const gw = new FakeGateway();
  const telemetry = gw.stamp('telemetry', [
    // v1 (no `v`, `ts`) and v2 readings, some needing unit conversion.
    readingV1(VEHICLE, 'coolant_temp', 212, 'F', T),
    reading(VEHICLE, 'coolant_temp', 90, 'C', T + 1000, { spn: 110 }),
    reading(VEHICLE, 'wheel_speed', 50, 'mph', T + 2000),
    reading(VEHICLE, 'accel_x', -0.5, 'g', T + 3000),
    reading(VEHICLE, 'fuel_used', 10, 'gal', T + 4000),
    reading(VEHICLE, 'odometer', 100, 'mi', T + 5000),
    reading(VEHICLE, 'cargo_door', true, '', T + 6000),
    reading(VEHICLE, 'oil_pressure', 40, 'psi', T + 7000),
    readingV1(VEHICLE, 'battery_voltage', 27.5, 'V', T + 8000),
    positionV1(VEHICLE, 51.1, 4.4, T + 9000, 30),
    position(VEHICLE, 51.2, 4.5, T + 10_000, 40),
    // Quarantine: contract, value type, unit dimension, clock.
    { kind: 'reading' as const, body: { v: 2, vehicle: VEHICLE, sensor: 'j1939', signal: 'engine_speed', value: 900, unit: 'rpm', ts: T, quality: 'good' } },
    reading(VEHICLE, 'engine_speed', 'fast', 'rpm', T + 11_000),
    reading(VEHICLE, 'coolant_temp', 90, 'km/h', T + 12_000),
    reading(VEHICLE, 'engine_speed', 800, 'rpm', T + 3 * 86_400_000),
  ]);
  const alerts = gw.stamp('alerts', [
    alert(VEHICLE, 'a-1', 'overspeed', 'raised', T + 1000, T + 1000, { value: 95, peak: 95 }),
    // An old-firmware alert (v1: ts, no raisedAt or peak).
    { kind: 'alert' as const, body: { v: 1, id: 'a-2', vehicle: VEHICLE, ruleId: 'coolant_overheat', state: 'raised', severity: 'critical', value: 106, threshold: 105, ts: T + 2000, message: 'hot' } },
  ]);
  const statuses = gw.stamp('status', [
    status(DEVICE, VEHICLE, T + 5000, 4),
    { kind: 'status' as const, body: { v: 1, gateway: DEVICE, vehicle: VEHICLE, bootId: 'boot-0', ts: T, connectivity: 'online', version: '0.9' } },
  ]);
  const rejects = gw.stamp('rejects', [{ ...reject('fleet/TRK-0042/temp-1/reading', '{"value": NaN}', 'payload is not valid JSON'), rt: T + 100 }]);
  const enqueued = T + 60_000;
  for (const [lane, events] of [['telemetry', telemetry], ['alerts', alerts], ['status', statuses], ['rejects', rejects]] as const)
    await p.sink.accept(hubMessage(DEVICE, gw.batch(lane, events), enqueued));
  await p.sink.accept(hubMessage(DEVICE, garbage, enqueued + 1));
  // A real batch damaged in transit: the checksum no longer matches.
  const damaged = gw.batch('telemetry', gw.stamp('telemetry', [reading(VEHICLE, 'engine_speed', 1, 'rpm', T)]));
  damaged[damaged.length - 10] = damaged[damaged.length - 10]! ^ 0xff;
  await p.sink.accept(hubMessage(DEVICE, damaged, enqueued + 2));
  await p.processPending();
});

afterAll(async () => {
  await p?.close();
  await cleanup?.();
});

describe('quarantine', () => {
  it('covers every reason, with the reason detail and the raw value', async () => {
    const rows = await sql(`SELECT reason, kind, detail, raw_json, raw_bytes, seq, lane::VARCHAR AS lane, vehicle FROM quarantine ORDER BY reason, seq`);
    expect(new Set(rows.map((r) => r.reason))).toEqual(new Set(QUARANTINE_REASONS));
    const by = (reason: string) => rows.filter((r) => r.reason === reason);

    const undecodable = by('undecodable_batch');
    expect(undecodable).toHaveLength(2);
    expect(undecodable.map((r) => String(r.detail).split(':')[0]).sort()).toEqual(['checksum', 'magic']);
    expect(undecodable.some((r) => Buffer.from(r.raw_bytes as Uint8Array).equals(Buffer.from(garbage)))).toBe(true);
    // Unreadable batches are charged to the vehicle the gateway is known for.
    expect(undecodable.every((r) => r.vehicle === VEHICLE)).toBe(true);

    const rejected = by('gateway_reject');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ lane: 'rejects', detail: 'payload is not valid JSON' });
    expect(Buffer.from(rejected[0]!.raw_bytes as Uint8Array).toString()).toBe('{"value": NaN}');

    const invalid = by('invalid_contract');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.detail).toMatch(/^\/sensorTime: is required/);
    expect(JSON.parse(String(invalid[0]!.raw_json))).toMatchObject({ signal: 'engine_speed', value: 900, ts: T });

    expect(by('value_type')[0]).toMatchObject({ detail: 'engine_speed must be a number, got a string' });
    expect(JSON.parse(String(by('value_type')[0]!.raw_json)).value).toBe('fast');
    expect(by('unit_mismatch')[0]!.detail).toMatch(/coolant_temp needs a temperature unit, got 'km\/h'/);
    expect(by('event_time_future')[0]!.detail).toMatch(/after the hub received it/);
  });

  it('keeps the good events of a batch that also held bad ones, and counts quality per reason', async () => {
    const c = await p.queries.counts();
    expect(c.silver.readings).toBe(9);
    expect(c.silver.positions).toBe(2);
    expect(c.quality.byReason).toEqual({
      event_time_future: 1,
      gateway_reject: 1,
      invalid_contract: 1,
      undecodable_batch: 2,
      unit_mismatch: 1,
      value_type: 1,
    });
    const [q] = await p.queries.quality({ vehicle: VEHICLE, from: '2024-03-04', to: '2024-03-04' });
    expect(q).toMatchObject({ valid: 15, quarantined: 7 });
    expect(q!.reasons).toBe('event_time_future=1,gateway_reject=1,invalid_contract=1,undecodable_batch=2,unit_mismatch=1,value_type=1');
  });
});

describe('v1 and v2 in one Silver schema', () => {
  it('upcasts v1 readings, positions, alerts and statuses into the v2 columns', async () => {
    const readings = await sql(`SELECT signal, value_num, value_bool, unit, from_unit, quality::VARCHAR AS quality, spn, src_version, event_ms FROM silver_readings ORDER BY seq`);
    expect(readings.map((r) => [r.signal, r.src_version, r.quality])).toEqual([
      ['coolant_temp', 1, 'good'],
      ['coolant_temp', 2, 'good'],
      ['wheel_speed', 2, 'good'],
      ['accel_x', 2, 'good'],
      ['fuel_used', 2, 'good'],
      ['odometer', 2, 'good'],
      ['cargo_door', 2, 'good'],
      ['oil_pressure', 2, 'good'],
      ['battery_voltage', 1, 'good'],
    ]);
    expect(readings[0]).toMatchObject({ event_ms: BigInt(T), spn: null });
    expect(readings[1]).toMatchObject({ spn: 110 });
    const positions = await sql(`SELECT src_version, speed_kmh, altitude_m, event_ms FROM silver_positions ORDER BY seq`);
    expect(positions).toEqual([
      { src_version: 1, speed_kmh: 30, altitude_m: null, event_ms: BigInt(T + 9000) },
      { src_version: 2, speed_kmh: 40, altitude_m: null, event_ms: BigInt(T + 10_000) },
    ]);
    const alerts = await sql(`SELECT alert_id, src_version, raised_ms, peak FROM silver_alerts ORDER BY seq`);
    // v1 alerts had no raisedAt or peak: the message's own time and value stand in.
    expect(alerts).toEqual([
      { alert_id: 'a-1', src_version: 2, raised_ms: BigInt(T + 1000), peak: 95 },
      { alert_id: 'a-2', src_version: 1, raised_ms: BigInt(T + 2000), peak: 106 },
    ]);
    const statuses = await sql(`SELECT src_version, evicted, uptime_s, lanes_json FROM silver_status ORDER BY seq`);
    expect(statuses[0]).toMatchObject({ src_version: 2, evicted: 4n });
    expect(statuses[1]).toMatchObject({ src_version: 1, evicted: 0n, uptime_s: 0, lanes_json: '{}' });
  });

  it('normalises units and remembers the unit as sent', async () => {
    const rows = await sql(`SELECT signal, value_num, unit, from_unit FROM silver_readings WHERE from_unit IS NOT NULL ORDER BY seq`);
    const got = Object.fromEntries(rows.map((r) => [r.signal, [r.value_num, r.unit, r.from_unit]]));
    expect(got.coolant_temp).toEqual([100, 'C', 'F']); // (212 - 32) * 5 / 9
    expect(got.wheel_speed![0]).toBeCloseTo(80.4672, 10); // 50 * 1.609344
    expect(got.wheel_speed!.slice(1)).toEqual(['km/h', 'mph']);
    expect(got.accel_x![0]).toBeCloseTo(-4.903325, 10); // -0.5 * 9.80665
    expect(got.fuel_used![0]).toBeCloseTo(37.85411784, 10); // 10 * 3.785411784
    expect(got.odometer![0]).toBeCloseTo(160.9344, 10);
    expect(got.oil_pressure![0]).toBeCloseTo(275.79029, 4); // 40 * 6.894757
    expect(rows.every((r) => r.from_unit !== r.unit)).toBe(true);
  });

  it('passes through signals and units it does not know', async () => {
    const [r] = await sql(`SELECT value_num, unit, from_unit FROM silver_readings WHERE signal = 'battery_voltage'`);
    expect(r).toEqual({ value_num: 27.5, unit: 'V', from_unit: null });
  });
});
