/** What the hub must have received, checked over the recorded batches: pure functions shared by the gateway tests. */
import { mulberry32 as prng } from '../support/mulberry32.ts';
import type { Lane, StampedEvent } from '../../shared/contracts/types.ts';
import type { HubBatch } from './support.ts';
import { readingKey } from './support.ts';

export interface LaneAudit {
  /** Distinct (epoch, seq) pairs seen. */
  distinct: number;
  /** Events received more than once (same epoch, lane, seq). */
  duplicates: number;
  maxSeq: number;
  /** Seqs in 1..maxSeq never seen. */
  missing: number[];
  /** Seqs seen twice with different content: the dedup key would merge two different events. */
  conflicting: number[];
  /** Batches whose events are not ascending or disagree with the header's first/last seq. */
  badBatches: string[];
  /** Deduplicated events in seq order. */
  events: StampedEvent[];
}

const MAX_LISTED = 20;

/** Dedups one lane by (epoch, lane, seq) and checks what dedup must be able to rely on. */
export function auditLane(batches: readonly HubBatch[], lane: Lane, epoch: string): LaneAudit {
  const bySeq = new Map<number, { json: string; event: StampedEvent }>();
  const audit: LaneAudit = { distinct: 0, duplicates: 0, maxSeq: 0, missing: [], conflicting: [], badBatches: [], events: [] };
  for (const b of batches) {
    if (b.lane !== lane || b.epoch !== epoch) continue;
    const seqs = b.events.map((e) => e.seq);
    const ascending = seqs.every((s, i) => i === 0 || s > seqs[i - 1]!);
    if (!ascending || seqs[0] !== b.firstSeq || seqs.at(-1) !== b.lastSeq) audit.badBatches.push(b.messageId);
    for (const e of b.events) {
      const json = JSON.stringify(e);
      const prev = bySeq.get(e.seq);
      if (prev) {
        audit.duplicates++;
        if (prev.json !== json && audit.conflicting.length < MAX_LISTED) audit.conflicting.push(e.seq);
      } else bySeq.set(e.seq, { json, event: e });
      audit.maxSeq = Math.max(audit.maxSeq, e.seq);
    }
  }
  audit.distinct = bySeq.size;
  for (let s = 1; s <= audit.maxSeq && audit.missing.length < MAX_LISTED; s++) if (!bySeq.has(s)) audit.missing.push(s);
  audit.events = [...bySeq.keys()].sort((a, b) => a - b).map((s) => bySeq.get(s)!.event);
  return audit;
}

/** Reading keys (`sensor:value`) present at the hub. */
export function readingKeys(events: readonly StampedEvent[]): Set<string> {
  const out = new Set<string>();
  for (const e of events) {
    const k = readingKey(e);
    if (k) out.add(k);
  }
  return out;
}

/**
 * Per sensor, in seq order, over the numbered `seq_probe` readings (see Sensor), the first occurrence of each reading number must increase: seqs restore the order
 * in which each sensor published. (A reading sent again after a crash is a later duplicate and does not count.)
 * Returns a description of the first violation per sensor.
 */
export function orderViolations(events: readonly StampedEvent[]): string[] {
  const seen = new Map<string, Set<number>>();
  const last = new Map<string, { value: number; seq: number }>();
  const out: string[] = [];
  for (const e of events) {
    if (e.kind !== 'reading' || e.body.signal !== 'seq_probe' || typeof e.body.value !== 'number') continue;
    const sensor = e.body.sensor;
    const s = seen.get(sensor) ?? new Set<number>();
    seen.set(sensor, s);
    if (s.has(e.body.value)) continue;
    s.add(e.body.value);
    const prev = last.get(sensor);
    if (prev && e.body.value < prev.value && out.length < MAX_LISTED) {
      out.push(`${sensor}: reading ${e.body.value} (seq ${e.seq}) first seen after reading ${prev.value} (seq ${prev.seq})`);
    }
    if (!prev || e.body.value > prev.value) last.set(sensor, { value: e.body.value, seq: e.seq });
  }
  return out;
}

export { mulberry32 as prng } from '../support/mulberry32.ts';
