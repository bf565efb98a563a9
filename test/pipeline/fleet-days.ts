/**
 * A small deterministic fleet over several days, as the gateways would ship it: per vehicle a telemetry lane
 * (positions, engine, fuel, reefer, door, driver log-ins), an alerts lane (an overspeed running through midnight,
 * harsh braking) and a status lane, cut into batches. Used to compare delivery orders.
 */
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import { alert, FakeGateway, position, positionV1, reading, readingV1, status } from './fixtures.ts';

export const DAY = 86_400_000;
export const D0 = Date.UTC(2024, 2, 4);

export interface Shipment {
  device: string;
  lane: Lane;
  body: Uint8Array;
  /** When the hub would receive it if the truck were always online. */
  onTime: number;
  /** Which day of the scenario the batch's events belong to (0-based). */
  day: number;
}

export function fleetDays(vehicles = 2, days = 3): Shipment[] {
  const out: Shipment[] = [];
  for (let v = 0; v < vehicles; v++) {
    const vehicle = `TRK-${100 + v}`;
    const gw = new FakeGateway(`gw-${100 + v}`, vehicle, `EPOCH-${v}`);
    for (let d = 0; d < days; d++) {
      const t0 = D0 + d * DAY;
      const tele: { kind: StampedEvent['kind']; body: unknown }[] = [];
      tele.push(reading(vehicle, 'driver_id', `DRV-${v}${d % 2}`, '', t0 + 6 * 3600_000 - 60_000));
      tele.push(reading(vehicle, 'ignition', true, '', t0 + 6 * 3600_000));
      tele.push(reading(vehicle, 'reefer_setpoint', -18, 'C', t0 + 6 * 3600_000));
      // 2 h of driving with a 20 min stop in the middle, a position every minute.
      for (let m = 0; m <= 120; m++) {
        const t = t0 + 6 * 3600_000 + m * 60_000;
        const moving = m < 50 || m > 70;
        const lat = 50 + v * 0.5 + Math.min(m, 50) * 0.01 + Math.max(0, m - 70) * 0.01;
        const speed = moving ? 60 + (m % 7) : 0;
        tele.push(m % 9 === 0 ? positionV1(vehicle, lat, 4, t, speed) : position(vehicle, lat, 4, t, speed));
        if (m % 5 === 0) {
          tele.push(reading(vehicle, 'engine_speed', moving ? 1400 : 650, 'rpm', t));
          tele.push(reading(vehicle, 'fuel_used', 5000 + d * 100 + m * 0.4, 'L', t));
          // Out of range between minutes 30 and 45 of the drive.
          const temp = m >= 30 && m < 45 ? 10 : -0.4;
          tele.push(m % 10 === 0 ? readingV1(vehicle, 'reefer_supply_temp', temp, 'F', t) : reading(vehicle, 'reefer_supply_temp', ((temp - 32) * 5) / 9, 'C', t));
        }
        if (m === 55) tele.push(reading(vehicle, 'cargo_door', true, '', t));
        if (m === 60) tele.push(reading(vehicle, 'cargo_door', false, '', t));
      }
      tele.push(reading(vehicle, 'ignition', false, '', t0 + 8 * 3600_000 + 120_000));
      const teleEvents = gw.stamp('telemetry', tele);
      for (let i = 0; i < teleEvents.length; i += 40) {
        const slice = teleEvents.slice(i, i + 40);
        const last = slice[slice.length - 1]!;
        out.push({ device: gw.device, lane: 'telemetry', body: gw.batch('telemetry', slice), onTime: last.rt + 1000, day: d });
      }
      // Alerts: harsh braking in the morning; an overspeed raised before midnight, cleared after it.
      const id1 = `harsh-${v}-${d}`;
      const raised = t0 + 7 * 3600_000;
      const id2 = `over-${v}-${d}`;
      const overRaise = t0 + DAY - 30_000;
      const a1 = gw.stamp('alerts', [alert(vehicle, id1, 'harsh_braking', 'raised', raised, raised, { value: -5.1, peak: -5.1 })]);
      out.push({ device: gw.device, lane: 'alerts', body: gw.batch('alerts', a1), onTime: raised + 2000, day: d });
      const a2 = gw.stamp('alerts', [alert(vehicle, id2, 'overspeed', 'raised', overRaise, overRaise, { value: 95, peak: 95 })]);
      out.push({ device: gw.device, lane: 'alerts', body: gw.batch('alerts', a2), onTime: overRaise + 2000, day: d });
      const a3 = gw.stamp('alerts', [alert(vehicle, id2, 'overspeed', 'cleared', overRaise + 70_000, overRaise, { value: 85, peak: 99 })]);
      // The clear belongs to the next day.
      out.push({ device: gw.device, lane: 'alerts', body: gw.batch('alerts', a3), onTime: overRaise + 72_000, day: d + 1 });
      const st = gw.stamp('status', [status(gw.device, vehicle, t0 + 12 * 3600_000, d * 3)]);
      out.push({ device: gw.device, lane: 'status', body: gw.batch('status', st), onTime: t0 + 12 * 3600_000 + 500, day: d });
    }
  }
  return out.sort((a, b) => a.onTime - b.onTime || a.device.localeCompare(b.device));
}

/** A deterministic shuffle (mulberry32). */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
