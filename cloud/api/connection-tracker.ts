/**
 * The hub's connect / disconnect notices, remembered per device. Before the first notice about a device its state
 * is unknown (null), unless the hub can list who is connected right now.
 */
import type { HubSource } from '../hub/hub-source.ts';
import type { ConnectionState } from './vehicle-status.ts';

export class ConnectionTracker {
  private readonly states = new Map<string, ConnectionState>();
  private readonly unsubscribe: () => void;

  constructor(hub: HubSource, connectedNow: () => readonly string[] = () => [], now: () => number = Date.now) {
    const at = now();
    for (const id of connectedNow()) this.states.set(id, { connected: true, at });
    this.unsubscribe = hub.onConnection((e) => {
      const prev = this.states.get(e.deviceId);
      // Notices may arrive out of order; the newest wins.
      if (!prev || e.at >= prev.at) this.states.set(e.deviceId, { connected: e.connected, at: e.at });
    });
  }

  get(deviceId: string): ConnectionState | null {
    return this.states.get(deviceId) ?? null;
  }

  devices(): string[] {
    return [...this.states.keys()];
  }

  connectedCount(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.connected) n++;
    return n;
  }

  close(): void {
    this.unsubscribe();
  }
}
