import { describe, expect, it } from 'vitest';
import { upcastAlert, upcastGatewayStatus, upcastPosition, upcastReading } from './upcast.ts';
import { validateAlert, validateGatewayStatus, validatePosition, validateReading } from './validate.ts';
import {
  EXAMPLE_TIME,
  exampleAlertV1,
  exampleAlertV2,
  exampleGatewayStatusV1,
  exampleGatewayStatusV2,
  examplePositionV1,
  examplePositionV2,
  exampleReadingV1,
  exampleReadingV2,
} from './examples.ts';
import type { PositionV1, ReadingV1 } from './types.ts';

describe('upcastReading', () => {
  it('renames ts to sensorTime and defaults quality to good', () => {
    expect(upcastReading(exampleReadingV1())).toEqual({
      v: 2,
      vehicle: 'truck-042',
      sensor: 'can0',
      signal: 'coolant.temp',
      value: 88.5,
      unit: 'C',
      sensorTime: EXAMPLE_TIME,
      quality: 'good',
    });
  });

  it('passes v2 through as the same object', () => {
    const r = exampleReadingV2();
    expect(upcastReading(r)).toBe(r);
  });

  it('does not mutate its input and drops fields unknown to v1, even ones named like v2 fields', () => {
    const input = { ...exampleReadingV1(), spn: 'not-a-number', quality: 'bogus', extra: 1 } as ReadingV1;
    const snapshot = structuredClone(input);
    const out = upcastReading(input);
    expect(input).toEqual(snapshot);
    expect(out.quality).toBe('good');
    expect('spn' in out).toBe(false);
    expect('extra' in out).toBe(false);
    expect(validateReading(out).ok).toBe(true);
  });

  it('keeps boolean and string values', () => {
    expect(upcastReading({ ...exampleReadingV1(), value: true }).value).toBe(true);
    expect(upcastReading({ ...exampleReadingV1(), value: 'N' }).value).toBe('N');
  });
});

describe('upcastPosition', () => {
  it('renames ts and keeps optional fields only when present', () => {
    const out = upcastPosition(examplePositionV1());
    expect(out).toEqual({
      v: 2,
      vehicle: 'truck-042',
      sensor: 'gps0',
      lat: 52.520008,
      lon: 13.404954,
      sensorTime: EXAMPLE_TIME,
      speedKmh: 72.4,
      heading: 181.5,
    });
    const bare: PositionV1 = { v: 1, vehicle: 'truck-1', sensor: 'gps', lat: 0, lon: 0, ts: EXAMPLE_TIME };
    expect(Object.keys(upcastPosition(bare)).sort()).toEqual(['lat', 'lon', 'sensor', 'sensorTime', 'v', 'vehicle']);
    expect(validatePosition(out).ok).toBe(true);
  });

  it('passes v2 through', () => {
    const p = examplePositionV2();
    expect(upcastPosition(p)).toBe(p);
  });
});

describe('upcastAlert', () => {
  it('sets raisedAt to ts and peak to value', () => {
    const out = upcastAlert(exampleAlertV1());
    expect(out.v).toBe(2);
    expect(out.sensorTime).toBe(EXAMPLE_TIME);
    expect(out.raisedAt).toBe(EXAMPLE_TIME);
    expect(out.peak).toBe(106);
    expect(out.position).toEqual({ lat: 52.520008, lon: 13.404954 });
    expect(out.signal).toBe('coolant.temp');
    expect('ts' in out).toBe(false);
    expect('suppressed' in out).toBe(false);
    expect(validateAlert(out).ok).toBe(true);
  });

  it('keeps a null value as a null peak', () => {
    const out = upcastAlert({ ...exampleAlertV1(), value: null, state: 'cleared' });
    expect(out.peak).toBeNull();
    expect(out.state).toBe('cleared');
  });

  it('does not share the position object with its input', () => {
    const input = exampleAlertV1();
    const out = upcastAlert(input);
    expect(out.position).not.toBe(input.position);
  });

  it('passes v2 through', () => {
    const a = exampleAlertV2();
    expect(upcastAlert(a)).toBe(a);
  });
});

describe('upcastGatewayStatus', () => {
  it('fills the figures v1 did not report with zeros and no lanes', () => {
    const out = upcastGatewayStatus(exampleGatewayStatusV1());
    expect(out).toEqual({
      v: 2,
      gateway: 'gw-042',
      vehicle: 'truck-042',
      bootId: '7f9c1e2a-0b6d-4c1e-9a51-3d2f8e6b4a10',
      connectivity: 'online',
      version: '0.1.0',
      sensorTime: EXAMPLE_TIME,
      uptimeS: 0,
      lanes: {},
      rejects: 0,
      diskBytes: 0,
    });
    expect(validateGatewayStatus(out).ok).toBe(true);
  });

  it('passes v2 through', () => {
    const s = exampleGatewayStatusV2();
    expect(upcastGatewayStatus(s)).toBe(s);
  });
});
