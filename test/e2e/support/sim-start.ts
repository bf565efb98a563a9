const HOUR = 3_600_000;

/**
 * The trucks' day depends on the local hour (rush-hour traffic, parking for the night), so a run starts at 05:30 CET,
 * as the simulator's default does: the latest such time at least two hours ago.
 */
export function morningStart(now = Date.now()): number {
  const day = new Date(now - 2 * HOUR);
  const t = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 4, 30);
  return t <= now - 2 * HOUR ? t : t - 24 * HOUR;
}
