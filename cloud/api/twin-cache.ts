/**
 * Twins for the fleet view, cached briefly: listing the fleet reads every twin, which against Azure IoT Hub is one
 * service call each. Concurrent reads of one twin share a call, and a failed read counts as "no twin" rather than
 * failing the whole list.
 */
import type { HubSource, Twin } from '../hub/hub-source.ts';

export class TwinCache {
  private readonly entries = new Map<string, { at: number; twin: Promise<Twin | null> }>();

  constructor(
    private readonly hub: HubSource,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
    private readonly onError: (deviceId: string, err: unknown) => void = () => undefined,
  ) {}

  get(deviceId: string): Promise<Twin | null> {
    const hit = this.entries.get(deviceId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.twin;
    const twin = this.hub.getTwin(deviceId).catch((err: unknown) => {
      this.onError(deviceId, err);
      return null;
    });
    this.entries.set(deviceId, { at: this.now(), twin });
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
    return twin;
  }

  /** Reads many twins, at most `concurrency` at a time. */
  async getMany(deviceIds: readonly string[], concurrency = 8): Promise<Map<string, Twin | null>> {
    const out = new Map<string, Twin | null>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < deviceIds.length) {
        const id = deviceIds[next++]!;
        out.set(id, await this.get(id));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, deviceIds.length) }, worker));
    return out;
  }

  invalidate(deviceId: string): void {
    this.entries.delete(deviceId);
  }
}
