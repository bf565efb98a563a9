/**
 * Names of spool segments: `spool/<epoch ms, 13 digits>-<writer>-<counter>.seg`. Sorting the keys sorts segments by
 * the time they were cut, across writers, so the pipeline imports roughly in arrival order; the pipeline is
 * order-tolerant anyway (redeliveries arrive late by design).
 */
export const SPOOL_PREFIX = 'spool/';
export const QUARANTINE_PREFIX = 'spool-quarantine/';

export function segmentKey(cutAt: number, writer: string, counter: number): string {
  return `${SPOOL_PREFIX}${String(Math.max(0, Math.floor(cutAt))).padStart(13, '0')}-${writer}-${String(counter).padStart(8, '0')}.seg`;
}

/** When the segment was cut, from its key; null for a key this release did not write. */
export function segmentCutAt(key: string): number | null {
  const m = /^spool\/(\d{13})-[A-Za-z0-9_.-]+-\d{8,}\.seg$/.exec(key);
  return m ? Number(m[1]) : null;
}

/** A writer name safe inside a key: host name (the pod) plus a per-process suffix, so restarts never collide. */
export function writerName(host: string, suffix: string): string {
  const clean = `${host}-${suffix}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
  return clean || 'writer';
}
