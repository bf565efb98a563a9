/**
 * Storm protection per rule and vehicle: a fixed window that admits at most `maxRaises` raises. A raise beyond that
 * is held back together with everything that follows from it (its updates and clear), so every announced raise still
 * gets its clear. When the window ends, one summary reports how many messages were held back.
 */
export interface StormWindow {
  /** Engine time the window opened (NaN: no window open). */
  start: number;
  startWall: number;
  raises: number;
  suppressed: number;
}

export const newWindow = (): StormWindow => ({ start: Number.NaN, startWall: 0, raises: 0, suppressed: 0 });

function open(w: StormWindow, now: number, wall: number): void {
  if (!Number.isNaN(w.start)) return;
  w.start = now;
  w.startWall = wall;
  w.raises = 0;
  w.suppressed = 0;
}

/** Tries to spend one raise; opens a window if none is open. */
export function admitRaise(w: StormWindow, now: number, wall: number, maxRaises: number): boolean {
  open(w, now, wall);
  if (w.raises >= maxRaises) return false;
  w.raises++;
  return true;
}

/** Counts a message that was held back. */
export function holdBack(w: StormWindow, now: number, wall: number): void {
  open(w, now, wall);
  w.suppressed++;
}

/** If the window has ended: closes it and returns how many messages it held back; otherwise -1. */
export function closeIfEnded(w: StormWindow, now: number, windowMs: number): number {
  if (Number.isNaN(w.start) || now < w.start + windowMs) return -1;
  const held = w.suppressed;
  w.start = Number.NaN;
  w.raises = 0;
  w.suppressed = 0;
  return held;
}
