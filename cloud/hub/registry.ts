/**
 * The device registry: one JSON file that `fleetsync hub` edits and the running endpoint reads.
 * Writers take a lock file and replace the file atomically (write, fsync, rename), so a reader never sees a
 * half-written registry and two writers never lose each other's change. The endpoint never writes it except to
 * create it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileLockedError, withFileLock, writeFileAtomic } from '../../shared/fs/locked-file.ts';

export interface DeviceRecord {
  deviceId: string;
  primaryKey: string;
  secondaryKey: string;
  disabled: boolean;
  /** Changes when a device is removed and added again, so old twins and queued messages do not come back. */
  uid: string;
  createdAt: string;
  updatedAt: string;
}

export interface RegistryDoc {
  version: 1;
  hubName: string;
  devices: Record<string, DeviceRecord>;
}

export type RegistryErrorCode = 'DUPLICATE' | 'NOT_FOUND' | 'INVALID_ID' | 'CORRUPT' | 'LOCKED';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * IoT Hub allows up to 128 of `A-Za-z0-9-.+%_#*?!(),:=@$'`. The id is also an MQTT client id and a topic level,
 * so wildcards, `$`, `%` and the SAS separators are left out.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@!(),-]{0,127}$/;
export const isValidDeviceId = (id: string): boolean => DEVICE_ID_PATTERN.test(id);

export const newDeviceKey = (): string => randomBytes(32).toString('base64');

export function emptyRegistry(hubName: string): RegistryDoc {
  return { version: 1, hubName, devices: {} };
}

export function validateRegistryDoc(raw: unknown, file: string): RegistryDoc {
  const bad = (why: string): never => {
    throw new RegistryError('CORRUPT', `registry ${file} is not valid: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const doc = raw as Partial<RegistryDoc>;
  if (doc.version !== 1) bad('unknown version');
  if (typeof doc.hubName !== 'string' || !doc.hubName) bad('hubName missing');
  if (typeof doc.devices !== 'object' || doc.devices === null) bad('devices missing');
  for (const [id, d] of Object.entries(doc.devices ?? {})) {
    if (d?.deviceId !== id || typeof d.primaryKey !== 'string' || typeof d.secondaryKey !== 'string' || typeof d.disabled !== 'boolean' || typeof d.uid !== 'string') {
      bad(`device ${id} is malformed`);
    }
  }
  return doc as RegistryDoc;
}

/** Reads the registry; undefined when the file does not exist yet. */
export async function readRegistry(file: string): Promise<RegistryDoc | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RegistryError('CORRUPT', `registry ${file} is not valid JSON`);
  }
  return validateRegistryDoc(raw, file);
}

/**
 * Read-modify-write under the lock. `change` may throw a RegistryError to abort without writing.
 * When the file does not exist it starts from an empty registry named `hubName`.
 */
export async function updateRegistry<T>(file: string, hubName: string, change: (doc: RegistryDoc) => T): Promise<T> {
  await mkdir(dirname(file), { recursive: true });
  try {
    return await withFileLock(file, async () => {
      const doc = (await readRegistry(file)) ?? emptyRegistry(hubName);
      const result = change(doc);
      await writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
      return result;
    });
  } catch (err) {
    if (err instanceof FileLockedError) throw new RegistryError('LOCKED', err.message);
    throw err;
  }
}

/** Registry operations of `fleetsync hub`, also used by tests and the embedded endpoint. */
export class DeviceRegistry {
  constructor(
    readonly file: string,
    /** Name used only if the registry file has to be created. */
    readonly defaultHubName: string,
  ) {}

  private checkId(id: string): void {
    if (!isValidDeviceId(id)) {
      throw new RegistryError('INVALID_ID', `invalid device id '${id}': 1-128 of A-Z a-z 0-9 . _ : @ ! ( ) , - starting with a letter or digit`);
    }
  }

  private need(doc: RegistryDoc, id: string): DeviceRecord {
    const d = doc.devices[id];
    if (!d) throw new RegistryError('NOT_FOUND', `unknown device '${id}'`);
    return d;
  }

  async hubName(): Promise<string> {
    return (await readRegistry(this.file))?.hubName ?? this.defaultHubName;
  }

  /** Creates the file if missing; returns the hub name it holds. */
  async ensure(): Promise<string> {
    const existing = await readRegistry(this.file);
    if (existing) return existing.hubName;
    return updateRegistry(this.file, this.defaultHubName, (doc) => doc.hubName);
  }

  async add(deviceId: string): Promise<{ hubName: string; device: DeviceRecord }> {
    this.checkId(deviceId);
    return updateRegistry(this.file, this.defaultHubName, (doc) => {
      if (doc.devices[deviceId]) throw new RegistryError('DUPLICATE', `device '${deviceId}' already exists`);
      const now = new Date().toISOString();
      const device: DeviceRecord = {
        deviceId,
        primaryKey: newDeviceKey(),
        secondaryKey: newDeviceKey(),
        disabled: false,
        uid: randomUUID(),
        createdAt: now,
        updatedAt: now,
      };
      doc.devices[deviceId] = device;
      return { hubName: doc.hubName, device };
    });
  }

  async get(deviceId: string): Promise<DeviceRecord | undefined> {
    return (await readRegistry(this.file))?.devices[deviceId];
  }

  async list(): Promise<DeviceRecord[]> {
    const doc = await readRegistry(this.file);
    return Object.values(doc?.devices ?? {}).sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  async setDisabled(deviceId: string, disabled: boolean): Promise<DeviceRecord> {
    this.checkId(deviceId);
    return updateRegistry(this.file, this.defaultHubName, (doc) => {
      const d = this.need(doc, deviceId);
      d.disabled = disabled;
      d.updatedAt = new Date().toISOString();
      return d;
    });
  }

  async remove(deviceId: string): Promise<void> {
    this.checkId(deviceId);
    await updateRegistry(this.file, this.defaultHubName, (doc) => {
      this.need(doc, deviceId);
      delete doc.devices[deviceId];
    });
  }

  async rotateKey(deviceId: string, which: 'primary' | 'secondary'): Promise<{ hubName: string; device: DeviceRecord }> {
    this.checkId(deviceId);
    return updateRegistry(this.file, this.defaultHubName, (doc) => {
      const d = this.need(doc, deviceId);
      if (which === 'primary') d.primaryKey = newDeviceKey();
      else d.secondaryKey = newDeviceKey();
      d.updatedAt = new Date().toISOString();
      return { hubName: doc.hubName, device: d };
    });
  }
}

export function connectionString(hubName: string, deviceId: string, key: string, gatewayHost?: string): string {
  return `HostName=${hubName};DeviceId=${deviceId};SharedAccessKey=${key}${gatewayHost ? `;GatewayHostName=${gatewayHost}` : ''}`;
}
