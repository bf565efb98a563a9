/**
 * CPU time the hypervisor gave to other guests while a suite ran ("steal" in /proc/stat). On a shared VM it is the
 * noise no baseline can cancel: a few percent of steal moves tail latencies by several milliseconds.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/stat on Linux (USER_HZ). */
const USER_HZ = 100;

/** Steal ticks summed over all CPUs, from the text of /proc/stat; null when the line or field is missing. */
export function stealTicks(procStat: string): number | null {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  const steal = line?.trim().split(/\s+/)[8];
  return steal !== undefined && /^\d+$/.test(steal) ? Number(steal) : null;
}

/** Starts a measurement; the returned function gives the steal as a percentage of all cores' time since (null off Linux). */
export function measureSteal(cores: number): () => number | null {
  const read = (): number | null => {
    try {
      return stealTicks(readFileSync('/proc/stat', 'utf8'));
    } catch {
      return null;
    }
  };
  const t0 = performance.now();
  const s0 = read();
  return () => {
    const s1 = read();
    const seconds = (performance.now() - t0) / 1000;
    if (s0 === null || s1 === null || seconds <= 0) return null;
    return (100 * (s1 - s0)) / USER_HZ / (seconds * cores);
  };
}
