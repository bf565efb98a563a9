import { describe, it, expect } from 'vitest';
import deviceSdk from 'azure-iot-device';
import { parseSasToken, signSasToken, matchingKey, SasParseError, encodeUriComponentStrict, sameResource } from './sas.ts';

const key = Buffer.alloc(32, 7).toString('base64');
const other = Buffer.alloc(32, 9).toString('base64');

describe('SAS tokens', () => {
  it('verifies a token made by the device SDK itself', () => {
    const sdkToken = deviceSdk.SharedAccessSignature.create('hub.example.net', 'truck-1', key, 1_900_000_000).toString();
    const t = parseSasToken(sdkToken);
    expect(t.resource).toBe('hub.example.net/devices/truck-1');
    expect(t.expiry).toBe(1_900_000_000);
    expect(matchingKey(t, [other, key])).toBe(1);
    expect(matchingKey(t, [other])).toBe(-1);
  });

  it('signs the way the SDK signs (same token for the same inputs)', () => {
    const sdkToken = deviceSdk.SharedAccessSignature.create('hub.example.net', 'truck-1', key, 1_900_000_000).toString();
    const mine = signSasToken('hub.example.net/devices/truck-1', key, 1_900_000_000);
    expect(parseSasToken(mine).signature).toBe(parseSasToken(sdkToken).signature);
  });

  it('detects a tampered expiry or resource', () => {
    const t = parseSasToken(signSasToken('hub/devices/a', key, 100));
    expect(matchingKey({ ...t, expiry: 101 }, [key])).toBe(-1);
    expect(matchingKey({ ...t, rawResource: 'hub%2Fdevices%2Fb' }, [key])).toBe(-1);
  });

  it.each([
    ['', /not a SharedAccessSignature/],
    ['Bearer abc', /not a SharedAccessSignature/],
    ['SharedAccessSignature sr=a&sig=b', /required/],
    ['SharedAccessSignature sr=a&sig=b&se=soon', /unix time/],
    ['SharedAccessSignature sr=a&sig=b&se=1&se=2', /twice/],
    ['SharedAccessSignature sr=%E0%A4%A&sig=b&se=1', /percent/],
    ['SharedAccessSignature sr', /malformed/],
  ])('refuses %j with a clear error', (token, why) => {
    expect(() => parseSasToken(token)).toThrow(SasParseError);
    expect(() => parseSasToken(token)).toThrow(why);
  });

  it('keeps a policy name', () => {
    expect(parseSasToken(signSasToken('hub/devices/a', key, 5, 'device')).keyName).toBe('device');
  });

  it('escapes like the Azure SDKs', () => {
    expect(encodeUriComponentStrict("a/b!'()*")).toBe('a%2Fb%21%27%28%29%2A');
  });

  it('compares resources with a case-insensitive host', () => {
    expect(sameResource('Hub.Net/devices/a', 'hub.net/devices/a/')).toBe(true);
    expect(sameResource('hub.net/devices/A', 'hub.net/devices/a')).toBe(false);
  });
});
