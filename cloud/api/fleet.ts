/**
 * The fleet as the API shows it: every vehicle the pipeline knows (Gold sync health, gateway-to-vehicle map) and
 * every gateway the hub knows that has sent nothing yet (registry, connection notices), each with its sync status.
 * A gateway whose vehicle is not known yet is listed under its device id.
 */
import type { Twin } from '../hub/hub-source.ts';
import type { Row } from '../pipeline/queries.ts';
import type { ConnectionTracker } from './connection-tracker.ts';
import type { ReadModel } from './read-model.ts';
import { parseReportedSync } from './reported-sync.ts';
import type { TwinCache } from './twin-cache.ts';
import { summarize, type VehicleSummary } from './vehicle-status.ts';

export interface FleetDeps {
  read: ReadModel;
  tracker: ConnectionTracker;
  twins: TwinCache;
  /** Registered gateway ids, when the hub can list them. */
  registeredDevices?: () => Promise<string[]>;
  onlineWindowMs: number;
  now: () => number;
}

interface Member {
  id: string;
  deviceId: string | null;
  health: Row | undefined;
}

export class Fleet {
  constructor(private readonly d: FleetDeps) {}

  private async members(): Promise<Map<string, Member>> {
    const [health, deviceVehicles, registered] = await Promise.all([
      this.d.read.queries.syncHealth(),
      this.d.read.deviceVehicles(),
      this.d.registeredDevices ? this.d.registeredDevices() : Promise.resolve([]),
    ]);
    const out = new Map<string, Member>();
    const vehicleDevice = new Map<string, string>();
    for (const [device, vehicle] of deviceVehicles) if (!vehicleDevice.has(vehicle)) vehicleDevice.set(vehicle, device);
    // Without the gateway-to-vehicle map, a vehicle's gateway is assumed to carry the vehicle's id.
    const mapKnown = this.d.read.hasConnection;
    for (const h of health) {
      const id = String(h.vehicle);
      out.set(id, { id, deviceId: vehicleDevice.get(id) ?? (mapKnown ? null : id), health: h });
    }
    for (const [vehicle, device] of vehicleDevice) if (!out.has(vehicle)) out.set(vehicle, { id: vehicle, deviceId: device, health: undefined });
    for (const device of [...registered, ...this.d.tracker.devices()]) {
      if (deviceVehicles.has(device) || out.has(device)) continue;
      out.set(device, { id: device, deviceId: device, health: undefined });
    }
    return out;
  }

  private async summaries(members: Member[], twins: Map<string, Twin | null>): Promise<VehicleSummary[]> {
    const active = await this.d.read.activeAlertCounts();
    const now = this.d.now();
    return members.map((m) =>
      summarize({
        id: m.id,
        deviceId: m.deviceId,
        health: m.health,
        connection: m.deviceId === null ? null : this.d.tracker.get(m.deviceId),
        sync: m.deviceId === null ? null : parseReportedSync(twins.get(m.deviceId)?.reported),
        activeAlerts: active.get(m.id) ?? 0,
        nowMs: now,
        onlineWindowMs: this.d.onlineWindowMs,
      }),
    );
  }

  async list(): Promise<VehicleSummary[]> {
    const members = [...(await this.members()).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const twins = await this.d.twins.getMany(members.flatMap((m) => (m.deviceId === null ? [] : [m.deviceId])));
    return this.summaries(members, twins);
  }

  /** One vehicle with its twin, or null when nobody knows the id. */
  async get(id: string): Promise<{ summary: VehicleSummary; twin: Twin | null } | null> {
    const m = (await this.members()).get(id);
    if (!m) return null;
    const twin = m.deviceId === null ? null : await this.d.twins.get(m.deviceId);
    const twins = new Map<string, Twin | null>(m.deviceId === null ? [] : [[m.deviceId, twin]]);
    const [summary] = await this.summaries([m], twins);
    return { summary: summary!, twin };
  }

  /** The gateway to talk to for a vehicle: undefined when the id is unknown, null when no gateway is known for it. */
  async deviceOf(id: string): Promise<string | null | undefined> {
    const m = (await this.members()).get(id);
    return m === undefined ? undefined : m.deviceId;
  }
}
