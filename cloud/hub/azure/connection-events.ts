import type { DeviceConnectionEvent } from '../hub-source.ts';
import type { ConnectionNotice } from './telemetry-mapping.ts';

/** Compares IoT Hub's hex sequence numbers: same length compares as strings; otherwise the longer is larger. */
export function compareSequence(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Turns routed connection state notices into connection events. The built-in endpoint delivers at least once
 * and a partition restart replays everything after the checkpoint, so a notice whose sequence number is not newer
 * than the last one seen for the device is dropped. The last known state per device is kept too, so the
 * registry-poll mode and the events mode report the same thing.
 */
export class ConnectionTracker {
  private readonly lastSeq = new Map<string, string>();
  private readonly state = new Map<string, boolean>();

  /** Returns the event to emit, or undefined for a replayed or stale notice. */
  fromNotice(n: ConnectionNotice): DeviceConnectionEvent | undefined {
    if (n.sequence) {
      const prev = this.lastSeq.get(n.deviceId);
      if (prev !== undefined && compareSequence(n.sequence, prev) <= 0) return undefined;
      this.lastSeq.set(n.deviceId, n.sequence);
    }
    this.state.set(n.deviceId, n.connected);
    return { deviceId: n.deviceId, connected: n.connected, at: n.at };
  }

  /**
   * Diffs a registry snapshot (deviceId -> connected) against the known state. The first snapshot only
   * seeds the state for devices never seen, and reports those that are connected.
   */
  fromSnapshot(snapshot: ReadonlyMap<string, boolean>, at: number): DeviceConnectionEvent[] {
    const out: DeviceConnectionEvent[] = [];
    for (const [deviceId, connected] of snapshot) {
      const known = this.state.get(deviceId);
      if (known === connected || (known === undefined && !connected)) {
        this.state.set(deviceId, connected);
        continue;
      }
      this.state.set(deviceId, connected);
      out.push({ deviceId, connected, at });
    }
    // A device deleted from the registry while connected counts as disconnected.
    for (const [deviceId, connected] of this.state) {
      if (!snapshot.has(deviceId)) {
        this.state.delete(deviceId);
        if (connected) out.push({ deviceId, connected: false, at });
      }
    }
    return out;
  }

  isConnected(deviceId: string): boolean | undefined {
    return this.state.get(deviceId);
  }
}

/** Reads one registry query row ({ deviceId, connectionState: 'Connected' | 'Disconnected' }). */
export function snapshotRow(row: unknown): [string, boolean] | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const r = row as { deviceId?: unknown; connectionState?: unknown };
  if (typeof r.deviceId !== 'string' || !r.deviceId) return undefined;
  if (r.connectionState !== 'Connected' && r.connectionState !== 'Disconnected') return undefined;
  return [r.deviceId, r.connectionState === 'Connected'];
}
