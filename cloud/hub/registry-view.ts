/**
 * The endpoint's live view of the registry file. It re-reads the file when it changes (watch, plus a slow poll in
 * case a watch event is missed) and before every authentication if the file's identity changed, so a device added
 * a moment ago can connect at once and a disabled or removed one is noticed on live connections.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { readRegistry, type DeviceRecord, type RegistryDoc } from './registry.ts';

export type RegistryChange = { before: RegistryDoc; after: RegistryDoc };

export class RegistryView {
  private doc: RegistryDoc;
  private stamp = '';
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private readonly listeners = new Set<(c: RegistryChange) => void>();

  private constructor(
    readonly file: string,
    initial: RegistryDoc,
    private readonly onError: (err: unknown) => void,
  ) {
    this.doc = initial;
  }

  static async open(file: string, pollMs: number, onError: (err: unknown) => void): Promise<RegistryView> {
    const doc = await readRegistry(file);
    if (!doc) throw new Error(`registry ${file} does not exist`);
    const view = new RegistryView(file, doc, onError);
    view.stamp = await view.currentStamp();
    const kick = (): void => void view.refresh().catch(onError);
    // Writers replace the file by rename, so watch the folder rather than the (replaced) inode.
    try {
      view.watcher = watch(dirname(file), (_event, name) => {
        if (name === null || name === basename(file)) kick();
      });
      view.watcher.on('error', onError);
    } catch (err) {
      onError(err);
    }
    view.poll = setInterval(kick, pollMs);
    view.poll.unref();
    return view;
  }

  get hubName(): string {
    return this.doc.hubName;
  }

  get(deviceId: string): DeviceRecord | undefined {
    return Object.hasOwn(this.doc.devices, deviceId) ? this.doc.devices[deviceId] : undefined;
  }

  onChange(listener: (c: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async currentStamp(): Promise<string> {
    const st = await stat(this.file).catch(() => undefined);
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'missing';
  }

  /** Re-reads the file if it changed since the last read. Concurrent callers share one read. */
  refresh(): Promise<void> {
    this.reading ??= this.doRefresh().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async doRefresh(): Promise<void> {
    const stamp = await this.currentStamp();
    if (stamp === this.stamp) return;
    // A registry that vanished or is being replaced keeps the last good view; a broken one is reported, not used.
    const next = await readRegistry(this.file).catch((err: unknown) => {
      this.onError(err);
      return undefined;
    });
    if (!next) return;
    this.stamp = stamp;
    const before = this.doc;
    this.doc = next;
    for (const l of this.listeners) l({ before, after: next });
  }

  close(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    this.listeners.clear();
  }
}
