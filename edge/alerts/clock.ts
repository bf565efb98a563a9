/**
 * The engine's own clock: monotonic milliseconds built from the gateway's wall-clock steps.
 * A backward step (NTP correction, RTC reset) makes time stand still for that step instead of running durations
 * backwards; a forward step larger than `maxStepMs` is a discontinuity: time advances (cooldowns and windows
 * elapse) but nothing was observed during the gap, so the engine restarts its duration timers.
 */
export interface EngineClock {
  /** Monotonic engine time (ms). */
  now: number;
  /** The last wall time the gateway gave (ms since epoch); alerts carry wall time. */
  wall: number;
  started: boolean;
}

export type ClockStep = 'first' | 'normal' | 'forward-jump' | 'backward' | 'invalid';

export const newClock = (): EngineClock => ({ now: 0, wall: 0, started: false });

export function advanceClock(c: EngineClock, wallMs: number, maxStepMs: number): ClockStep {
  if (!Number.isFinite(wallMs)) return 'invalid';
  if (!c.started) {
    c.started = true;
    c.now = wallMs;
    c.wall = wallMs;
    return 'first';
  }
  const delta = wallMs - c.wall;
  c.wall = wallMs;
  if (delta < 0) return 'backward';
  c.now += delta;
  return delta > maxStepMs ? 'forward-jump' : 'normal';
}
