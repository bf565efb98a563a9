/**
 * What this host charges for waking up: the CPU time of one small JSON.parse right after the thread slept for a
 * while, against the same parse back to back. At a truck's rates (tens of messages per 10 ms poll) every message
 * arrives at a thread that has just slept, so each pays this on every step of its path (read, parse, rules,
 * journal, PUBACK). On a virtual machine that flushes caches and branch predictors on each halt, this ratio, not the
 * gateway's code, sets most of the footprint figure; printing it in the same run makes that figure comparable
 * across hosts.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WakePenalty {
  /** Median microseconds of one parse after `idleMs` of sleep. */
  afterIdleUs: number;
  /** Median microseconds of the same parse back to back. */
  hotUs: number;
  idleMs: number;
}

const PAYLOAD = JSON.stringify({ v: 2, signal: 'coolant_temp', value: 88.5, unit: 'C', sensorTime: 1_741_564_800_000, quality: 'good' });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

let sink = 0;
function timedParse(): number {
  const t0 = process.hrtime.bigint();
  sink += (JSON.parse(PAYLOAD) as { value: number }).value;
  return Number(process.hrtime.bigint() - t0) / 1000;
}

export async function measureWakePenalty(idleMs = 10, samples = 300): Promise<WakePenalty> {
  for (let i = 0; i < 50_000; i++) timedParse(); // optimised before either side is timed
  const hot: number[] = [];
  for (let i = 0; i < 2000; i++) hot.push(timedParse());
  const cold: number[] = [];
  for (let i = 0; i < samples; i++) {
    await sleep(idleMs);
    cold.push(timedParse());
  }
  if (sink === 0) throw new Error('unreachable: keeps the parse from being optimised away');
  return { afterIdleUs: median(cold), hotUs: median(hot), idleMs };
}
