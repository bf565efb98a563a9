/**
 * Device twins, persisted in LevelDB: desired and reported documents with their versions, plus the desired document
 * this device was last sent (so a device that was away gets exactly the difference when it comes back).
 * Callers serialize access per device (KeyedMutex); this module only reads and writes.
 */
import type { AbstractSublevel } from 'abstract-level';
import type { Level } from 'level';
import type { Twin } from './hub-source.ts';
import type { DeviceRecord } from './registry.ts';
import { applyMergePatch, isPlainObject, stripReserved, type JsonObject } from './json-merge.ts';

export interface TwinRecord {
  uid: string;
  desired: JsonObject;
  desiredVersion: number;
  reported: JsonObject;
  reportedVersion: number;
  /** The desired document as last sent to the device (full GET or patch), with its version. */
  delivered?: { version: number; desired: JsonObject };
}

/** IoT Hub caps each of desired and reported at 32 KiB. */
export const MAX_TWIN_SECTION_BYTES = 32 * 1024;
/** IoT Hub allows 10 levels of nesting in twin properties (we count the root). */
export const MAX_TWIN_DEPTH = 10;

export class TwinPatchError extends Error {
  override readonly name = 'TwinPatchError';
}

const depth = (v: unknown): number => (isPlainObject(v) ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0);

/** Checks a patch from a device or the service: a JSON object, not too deep. Returns it without `$` keys. */
export function validateTwinPatch(patch: unknown): JsonObject {
  if (!isPlainObject(patch)) throw new TwinPatchError('a twin patch must be a JSON object');
  if (depth(patch) > MAX_TWIN_DEPTH) throw new TwinPatchError(`a twin patch may nest at most ${MAX_TWIN_DEPTH} levels`);
  return stripReserved(patch);
}

function checkSize(section: string, doc: JsonObject): void {
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  if (bytes > MAX_TWIN_SECTION_BYTES) throw new TwinPatchError(`${section} properties would be ${bytes} bytes; the limit is ${MAX_TWIN_SECTION_BYTES}`);
}

export const freshTwin = (uid: string): TwinRecord => ({ uid, desired: {}, desiredVersion: 1, reported: {}, reportedVersion: 1 });

export function toTwin(deviceId: string, r: TwinRecord): Twin {
  return {
    deviceId,
    desired: { ...r.desired, $version: r.desiredVersion },
    reported: { ...r.reported, $version: r.reportedVersion },
  };
}

/** The body of a twin GET answer, as IoT Hub sends it. */
export const twinDocument = (r: TwinRecord): JsonObject => ({
  desired: { ...r.desired, $version: r.desiredVersion },
  reported: { ...r.reported, $version: r.reportedVersion },
});

export type StateDb = Level<string, string>;
type TwinDb = AbstractSublevel<StateDb, string | Buffer | Uint8Array, string, TwinRecord>;

export class TwinStore {
  private readonly db: TwinDb;

  constructor(private readonly root: StateDb) {
    this.db = root.sublevel<string, TwinRecord>('twin', { valueEncoding: 'json' });
  }

  /** The device's twin; a device removed and added again (new uid) starts from a fresh one. */
  async get(device: DeviceRecord): Promise<TwinRecord> {
    const r = await this.db.get(device.deviceId);
    return r && r.uid === device.uid ? r : freshTwin(device.uid);
  }

  private async put(device: DeviceRecord, r: TwinRecord): Promise<TwinRecord> {
    // Through the root so the write can be synced; sublevel put options do not carry `sync`.
    await this.root.batch([{ type: 'put', sublevel: this.db, key: device.deviceId, value: r }], { sync: true });
    return r;
  }

  async patchDesired(device: DeviceRecord, patch: JsonObject): Promise<TwinRecord> {
    const r = await this.get(device);
    const desired = applyMergePatch(r.desired, patch);
    checkSize('desired', desired);
    return this.put(device, { ...r, desired, desiredVersion: r.desiredVersion + 1 });
  }

  async patchReported(device: DeviceRecord, patch: JsonObject): Promise<TwinRecord> {
    const r = await this.get(device);
    const reported = applyMergePatch(r.reported, patch);
    checkSize('reported', reported);
    return this.put(device, { ...r, reported, reportedVersion: r.reportedVersion + 1 });
  }

  async markDelivered(device: DeviceRecord, version: number, desired: JsonObject): Promise<void> {
    const r = await this.get(device);
    if (r.delivered && r.delivered.version >= version) return;
    await this.put(device, { ...r, delivered: { version, desired } });
  }
}
