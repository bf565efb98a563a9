/**
 * Applies a truck's scenario events to its models at their simulated time: some take effect at once (a DTC,
 * a reefer failure, a hook window), some wait for the right moment (an overheat for a running engine, a harsh
 * brake for speed). Records when each really started and ended, and tells the runner when hooks open and close.
 */
import type { MotionModel } from './motion.ts';
import type { EngineModel } from './engine.ts';
import type { DtcModel } from './dtc.ts';
import type { AccelModel, Swerve } from './accel.ts';
import type { ReeferModel } from './reefer.ts';
import type { HarshBrake } from './drive.ts';
import type { HookEventType, TruckEvent } from './sensor-spec.ts';

export interface HookNotice {
  type: HookEventType;
  phase: 'start' | 'end';
  /** Simulated ms: the window [from, to). */
  from: number;
  to: number;
  scenario: string;
}

export interface ScenarioEventTruth {
  type: TruckEvent['type'];
  scenario: string;
  plannedAt: number;
  /** When it took effect (a harsh brake waits for speed, an overheat for a running engine); null if it never did. */
  startedAt: number | null;
  endedAt: number | null;
}

export interface EventModels {
  motion: MotionModel;
  engine: EngineModel;
  dtc: DtcModel;
  accel: AccelModel;
  reefer: ReeferModel | null;
}

interface LiveEvent {
  ev: TruckEvent;
  truth: ScenarioEventTruth;
  state: 'planned' | 'waiting' | 'active' | 'done';
  /** The harsh manoeuvre handed to a model, to see when it starts and ends. */
  manoeuvre?: HarshBrake | Swerve;
}

export class EventScheduler {
  private readonly events: LiveEvent[];

  constructor(
    events: readonly TruckEvent[],
    private readonly startMs: number,
    private readonly m: EventModels,
  ) {
    this.events = events
      .slice()
      .sort((a, b) => a.atMs - b.atMs)
      .map((ev) => ({
        ev,
        state: 'planned' as const,
        truth: { type: ev.type, scenario: ev.scenario, plannedAt: startMs + ev.atMs, startedAt: null, endedAt: null },
      }));
  }

  /** The scenario behind an event of `type` that is under way, or ended less than `withinMs` ago. */
  scenarioOf(type: TruckEvent['type'], t: number, withinMs = 0): string | null {
    for (const e of this.events) {
      if (e.ev.type !== type) continue;
      if (e.state === 'active' || e.state === 'waiting') return e.ev.scenario;
      if (e.state === 'done' && e.truth.endedAt !== null && t - e.truth.endedAt <= withinMs) return e.ev.scenario;
    }
    return null;
  }

  truth(): ScenarioEventTruth[] {
    return this.events.map((e) => ({ ...e.truth }));
  }

  /** Applies what is due at `t` (before the models step); returns hook notices. */
  apply(t: number): HookNotice[] {
    const notices: HookNotice[] = [];
    const rel = t - this.startMs;
    for (const le of this.events) {
      if (le.state === 'done' || (le.state === 'planned' && rel < le.ev.atMs)) continue;
      this.applyOne(le, t, notices);
    }
    return notices;
  }

  private start(le: LiveEvent, t: number): void {
    le.state = 'active';
    le.truth.startedAt ??= t;
  }

  private end(le: LiveEvent, t: number): void {
    le.state = 'done';
    le.truth.endedAt = t;
  }

  private applyOne(le: LiveEvent, t: number, notices: HookNotice[]): void {
    const { ev } = le;
    const m = this.m;
    const plannedEnd = 'durationMs' in ev ? this.startMs + ev.atMs + ev.durationMs : Infinity;
    switch (ev.type) {
      case 'dead-zone':
      case 'power-cut':
      case 'depot-wifi': {
        const from = this.startMs + ev.atMs;
        const to = from + ev.durationMs;
        if (le.state === 'planned') {
          this.start(le, t);
          notices.push({ type: ev.type, phase: 'start', from, to, scenario: ev.scenario });
        }
        if (t >= to) {
          this.end(le, t);
          notices.push({ type: ev.type, phase: 'end', from, to, scenario: ev.scenario });
        }
        return;
      }
      case 'overheat':
        // The cooling fails when it fails, but only a running engine heats up; the episode lasts its duration.
        if (le.state === 'planned') le.state = 'waiting';
        if (le.state === 'waiting' && m.engine.running) {
          this.start(le, t);
          m.engine.overheat = { peakC: ev.peakC };
        }
        if (le.state === 'active' && le.truth.startedAt !== null && t >= le.truth.startedAt + ev.durationMs) {
          this.end(le, t);
          m.engine.overheat = null;
        }
        return;
      case 'reefer-failure':
        if (!m.reefer) return this.end(le, t);
        if (le.state === 'planned') {
          this.start(le, t);
          m.reefer.failed = true;
        }
        if (t >= plannedEnd) {
          this.end(le, t);
          m.reefer.failed = false;
        }
        return;
      case 'overspeed': {
        // The driver speeds once on an open road, for the event's duration from then.
        const open = m.motion.roadClass === 'motorway' || m.motion.roadClass === 'primary';
        if (le.state === 'planned') le.state = 'waiting';
        if (le.state === 'waiting' && open) {
          this.start(le, t);
          m.motion.speedOverrideKmh = ev.speedKmh;
        }
        if (le.state === 'active' && le.truth.startedAt !== null && t >= le.truth.startedAt + ev.durationMs) {
          this.end(le, t);
          m.motion.speedOverrideKmh = null;
        }
        return;
      }
      case 'harsh-braking':
      case 'harsh-cornering': {
        if (le.state === 'planned') {
          le.state = 'waiting';
          le.manoeuvre =
            ev.type === 'harsh-braking' ? m.motion.harshBrake(ev.peakMs2, ev.lengthS) : m.accel.requestSwerve(ev.peakMs2, ev.lengthS);
        }
        const man = le.manoeuvre;
        if (man?.startedAt != null) {
          if (le.state === 'waiting') this.start(le, man.startedAt);
          if (t >= man.startedAt + man.durationS * 1000) this.end(le, t);
        }
        return;
      }
      case 'dtc':
        this.start(le, t);
        this.end(le, t + ev.durationMs);
        m.dtc.raise(ev.spn, ev.fmi, ev.lamp, t, t + ev.durationMs, 'scenario');
        return;
      case 'excessive-idle':
        // Takes effect at the next delivery stop; the watcher attributes that stop's idling to this scenario.
        this.start(le, t);
        this.end(le, t);
        m.motion.idleAtNextStop(ev.durationMs);
        return;
    }
  }

  /** A harsh brake of a scenario is waiting for its moment: natural ones hold back so they do not replace it. */
  get harshBrakePending(): boolean {
    return this.events.some((e) => e.ev.type === 'harsh-braking' && e.state === 'waiting');
  }
}
