import { describe, it, expect } from 'vitest';
import { decideConnect } from './authenticate.ts';
import { signSasToken } from '../sas.ts';
import type { DeviceRecord } from '../registry.ts';

const HUB = 'hub.example.net';
const NOW = 1_800_000_000;
const dev = (id: string, over: Partial<DeviceRecord> = {}): DeviceRecord => ({
  deviceId: id,
  primaryKey: Buffer.alloc(32, id.length).toString('base64'),
  secondaryKey: Buffer.alloc(32, id.length + 50).toString('base64'),
  disabled: false,
  uid: `uid-${id}`,
  createdAt: '',
  updatedAt: '',
  ...over,
});
const devices = new Map([
  ['truck-1', dev('truck-1')],
  ['truck-22', dev('truck-22')],
  ['off', dev('off', { disabled: true })],
]);
const lookup = (id: string) => devices.get(id);
const token = (id: string, key: string, se = NOW + 3600, hub = HUB) => Buffer.from(signSasToken(`${hub}/devices/${id}`, key, se));
const user = (id: string) => `${HUB}/${id}/?api-version=2021-04-12&DeviceClientType=x`;
const decide = (clientId: string, password: Buffer | undefined, username = user(clientId)) =>
  decideConnect({ clientId, username, password }, HUB, lookup, NOW);
const reason = (d: ReturnType<typeof decideConnect>) => (d.ok ? 'ok' : d.reason);

describe('CONNECT decision', () => {
  const t1 = devices.get('truck-1')!;

  it('accepts the primary and the secondary key', () => {
    expect(decide('truck-1', token('truck-1', t1.primaryKey))).toEqual({ ok: true, deviceId: 'truck-1', expiresAtS: NOW + 3600, key: 'primary' });
    expect(decide('truck-1', token('truck-1', t1.secondaryKey))).toMatchObject({ ok: true, key: 'secondary' });
  });

  it('accepts a differently cased hub name', () => {
    expect(reason(decideConnect({ clientId: 'truck-1', username: user('truck-1'), password: token('truck-1', t1.primaryKey, NOW + 60, HUB.toUpperCase()) }, HUB, lookup, NOW))).toBe('ok');
  });

  it.each([
    ['missing-token', () => decide('truck-1', undefined)],
    ['malformed-token', () => decide('truck-1', Buffer.from('SharedAccessSignature sr=x'))],
    ['wrong-key', () => decide('truck-1', token('truck-1', devices.get('truck-22')!.primaryKey))],
    ['expired-token', () => decide('truck-1', token('truck-1', t1.primaryKey, NOW))],
    ['token-for-other-device', () => decide('truck-1', token('truck-22', devices.get('truck-22')!.primaryKey))],
    ['token-for-other-hub', () => decide('truck-1', token('truck-1', t1.primaryKey, NOW + 60, 'other.net'))],
    ['bad-username', () => decide('truck-1', token('truck-1', t1.primaryKey), `${HUB}/truck-22/`)],
    ['unknown-device', () => decide('ghost', token('ghost', t1.primaryKey))],
    ['disabled-device', () => decide('off', token('off', devices.get('off')!.primaryKey))],
    ['policy-token-not-supported', () => decide('truck-1', Buffer.from(signSasToken(`${HUB}/devices/truck-1`, t1.primaryKey, NOW + 60, 'device')))],
  ])('refuses with %s', (expected, run) => {
    expect(reason(run())).toBe(expected);
  });

  it('reports a forged expired token as a wrong key, not as expired', () => {
    expect(reason(decide('truck-1', token('truck-1', devices.get('truck-22')!.primaryKey, NOW - 10)))).toBe('wrong-key');
  });
});
