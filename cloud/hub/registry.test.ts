import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry, RegistryError, isValidDeviceId, readRegistry, connectionString } from './registry.ts';
import { RegistryView } from './registry-view.ts';

const dirs: string[] = [];
const fresh = async () => {
  const d = await mkdtemp(join(tmpdir(), 'hub-registry-'));
  dirs.push(d);
  return new DeviceRegistry(join(d, 'hub', 'registry.json'), 'hub.example.net');
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof RegistryError ? e.code : String(e)));

describe('device registry file', () => {
  it('adds, lists, disables, rotates and removes devices', async () => {
    const reg = await fresh();
    const { hubName, device } = await reg.add('truck-1');
    expect(hubName).toBe('hub.example.net');
    expect(Buffer.from(device.primaryKey, 'base64')).toHaveLength(32);
    expect(device.primaryKey).not.toBe(device.secondaryKey);
    await reg.add('truck-0');
    expect((await reg.list()).map((d) => d.deviceId)).toEqual(['truck-0', 'truck-1']);

    expect((await reg.setDisabled('truck-1', true)).disabled).toBe(true);
    const before = (await reg.get('truck-1'))!;
    const rotated = (await reg.rotateKey('truck-1', 'secondary')).device;
    expect(rotated.secondaryKey).not.toBe(before.secondaryKey);
    expect(rotated.primaryKey).toBe(before.primaryKey);

    await reg.remove('truck-1');
    expect(await reg.get('truck-1')).toBeUndefined();
    const again = await reg.add('truck-1');
    expect(again.device.uid).not.toBe(before.uid);
  });

  it('reports duplicate, unknown and invalid ids', async () => {
    const reg = await fresh();
    await reg.add('a');
    expect(await code(reg.add('a'))).toBe('DUPLICATE');
    expect(await code(reg.remove('nope'))).toBe('NOT_FOUND');
    expect(await code(reg.setDisabled('nope', true))).toBe('NOT_FOUND');
    expect(await code(reg.add('bad/id'))).toBe('INVALID_ID');
  });

  it('never loses a change when writers run at the same time', async () => {
    const reg = await fresh();
    await Promise.all(Array.from({ length: 12 }, (_, i) => reg.add(`dev-${i}`)));
    expect(await reg.list()).toHaveLength(12);
  });

  it('refuses a corrupt file with a clear error', async () => {
    const reg = await fresh();
    await reg.add('a');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(reg.file, '{"version":1,');
    expect(await code(readRegistry(reg.file))).toBe('CORRUPT');
  });

  it('validates ids the way topics and connection strings need', () => {
    for (const ok of ['truck-1', 'a', 'T.1_x:y@z', 'a'.repeat(128)]) expect(isValidDeviceId(ok)).toBe(true);
    for (const bad of ['', '-a', 'a/b', 'a+b', 'a#', 'a;b', 'a=b', 'a b', '$a', 'a'.repeat(129)]) expect(isValidDeviceId(bad)).toBe(false);
  });

  it('prints IoT Hub connection strings', () => {
    expect(connectionString('h.net', 'd', 'K=', 'localhost:8883')).toBe('HostName=h.net;DeviceId=d;SharedAccessKey=K=;GatewayHostName=localhost:8883');
  });

  it('a live view sees changes made by another writer', async () => {
    const reg = await fresh();
    await reg.ensure();
    const view = await RegistryView.open(reg.file, 60_000, () => undefined);
    const changes: number[] = [];
    view.onChange(({ after }) => changes.push(Object.keys(after.devices).length));
    await reg.add('x');
    await view.refresh();
    expect(view.get('x')?.deviceId).toBe('x');
    expect(changes.at(-1)).toBe(1);
    expect(view.get('constructor')).toBeUndefined();
    view.close();
    expect(JSON.parse(await readFile(reg.file, 'utf8')).hubName).toBe('hub.example.net');
  });
});
