/**
 * Twin traffic: the device's GET and reported PATCH, the service's desired updates and the push of desired patches.
 * All work on one device's twin runs through one lock, so the patches a device sees are in version order.
 */
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Twin } from './hub-source.ts';
import type { DeviceRecord } from './registry.ts';
import type { DeviceLinks } from './device-links.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { TwinPatchError, TwinStore, toTwin, twinDocument, validateTwinPatch, type StateDb, type TwinRecord } from './twin-store.ts';
import { desiredPatchTopic, twinResponseTopic } from './topics.ts';
import { diffMergePatch } from './json-merge.ts';
import { HubError } from './errors.ts';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

/** IoT Hub's error body: the device SDK fails the request only when `errorCode` is present. */
const errorBody = (status: number, message: string): Buffer => json({ errorCode: status * 1000 + 1, message });

export class TwinService {
  readonly store: TwinStore;
  private readonly lock = new KeyedMutex();

  constructor(
    db: StateDb,
    private readonly links: DeviceLinks,
    private readonly log: Logger,
  ) {
    this.store = new TwinStore(db);
  }

  async get(device: DeviceRecord): Promise<Twin> {
    return toTwin(device.deviceId, await this.store.get(device));
  }

  /** Merges a desired patch, then pushes what the device is missing if it listens. */
  updateDesired(device: DeviceRecord, patch: unknown): Promise<Twin> {
    return this.lock.run(device.deviceId, async () => {
      let r: TwinRecord;
      try {
        r = await this.store.patchDesired(device, validateTwinPatch(patch));
      } catch (err) {
        throw err instanceof TwinPatchError ? new HubError('INVALID_ARGUMENT', err.message) : err;
      }
      // The twin is stored; a push that fails is made up for when the device comes back.
      await this.pushLocked(device, r).catch((err: unknown) =>
        this.log.warn({ deviceId: device.deviceId, err }, 'desired patch not pushed; the device gets it on reconnect'),
      );
      return toTwin(device.deviceId, r);
    });
  }

  /** A device (re)connected or subscribed to desired patches: bring it up to date. */
  catchUp(device: DeviceRecord): Promise<void> {
    return this.lock.run(device.deviceId, async () => {
      await this.pushLocked(device, await this.store.get(device));
    });
  }

  private async pushLocked(device: DeviceRecord, r: TwinRecord): Promise<void> {
    const client = this.links.get(device.deviceId);
    if (!client || !this.links.subscribed(client, 'desired')) return;
    if (r.delivered && r.delivered.version >= r.desiredVersion) return;
    // The difference from what the device last saw: exact even when it missed several patches while away.
    const patch = diffMergePatch(r.delivered?.desired ?? {}, r.desired);
    // A device that never read its twin and has nothing desired yet needs no message.
    if (!r.delivered && Object.keys(patch).length === 0) return;
    await this.links.publish(client, desiredPatchTopic(r.desiredVersion), json({ ...patch, $version: r.desiredVersion }), 0);
    await this.store.markDelivered(device, r.desiredVersion, r.desired);
  }

  /** `$iothub/twin/GET/?$rid=`: answers with the whole twin on this connection. */
  deviceGet(client: Client, device: DeviceRecord, rid: string): Promise<void> {
    return this.lock.run(device.deviceId, async () => {
      const r = await this.store.get(device);
      if (await this.answer(client, 200, rid, json(twinDocument(r)))) await this.store.markDelivered(device, r.desiredVersion, r.desired);
    });
  }

  /** `$iothub/twin/PATCH/properties/reported/?$rid=`: merges, persists, answers 204 with the new version. */
  devicePatchReported(client: Client, device: DeviceRecord, rid: string, body: Uint8Array): Promise<void> {
    return this.lock.run(device.deviceId, async () => {
      let patch;
      try {
        patch = validateTwinPatch(JSON.parse(Buffer.from(body).toString('utf8')) as unknown);
      } catch (err) {
        const message = err instanceof SyntaxError ? 'reported patch is not valid JSON' : (err as Error).message;
        this.log.warn({ event: 'twin-patch-refused', deviceId: device.deviceId, reason: message }, 'reported patch refused');
        await this.answer(client, 400, rid, errorBody(400, message));
        return;
      }
      try {
        const r = await this.store.patchReported(device, patch);
        await this.answer(client, 204, rid, Buffer.alloc(0), r.reportedVersion);
      } catch (err) {
        if (!(err instanceof TwinPatchError)) throw err;
        await this.answer(client, 400, rid, errorBody(400, err.message));
      }
    });
  }

  /** True when the answer was written to the device's connection. */
  private async answer(client: Client, status: number, rid: string, body: Buffer, version?: number): Promise<boolean> {
    if (client.closed) return false;
    if (!this.links.subscribed(client, 'twin-response')) {
      this.log.debug({ deviceId: client.id, rid }, 'twin answer dropped: device is not subscribed to $iothub/twin/res/#');
      return false;
    }
    await this.links.publish(client, twinResponseTopic(status, rid, version), body, 0);
    return true;
  }

  idle(): Promise<void> {
    return this.lock.idle();
  }
}
