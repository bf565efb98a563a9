/** The read-only view a rule gets while it is evaluated: fresh signal values, position and other rules' state. */
import type { PositionState, SignalState, VehicleState } from './vehicle-state.ts';

export class EvalContext {
  /** Engine-clock time of this evaluation. */
  now = 0;
  /** Values older than this (per rule) count as missing. */
  maxAgeMs = 0;
  vehicle: VehicleState;
  readonly ruleActive: (vehicle: string, ruleId: string) => boolean;

  constructor(vehicle: VehicleState, ruleActive: (vehicle: string, ruleId: string) => boolean) {
    this.vehicle = vehicle;
    this.ruleActive = ruleActive;
  }

  signal(name: string): SignalState | undefined {
    const s = this.vehicle.signals.get(name);
    return s !== undefined && this.now - s.at <= this.maxAgeMs ? s : undefined;
  }

  num(name: string): number | undefined {
    const s = this.vehicle.signals.get(name);
    return s !== undefined && this.now - s.at <= this.maxAgeMs ? s.num : undefined;
  }

  position(): PositionState | undefined {
    const p = this.vehicle.position;
    return p !== undefined && this.now - p.at <= this.maxAgeMs ? p : undefined;
  }

  isActive(ruleId: string): boolean {
    return this.ruleActive(this.vehicle.id, ruleId);
  }
}
