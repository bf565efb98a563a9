/**
 * Operator actions on the spool (`fleetsync cloud spool ...`): what waits, what was quarantined, and putting
 * quarantined segments back once the cause is fixed, e.g. segments of a newer format written by an ingest replica
 * upgraded before the pipeline.
 */
import type { ExportTarget } from '../../storage/export-target.ts';
import { decodeSegment } from './segment-codec.ts';
import { QUARANTINE_PREFIX, SPOOL_PREFIX, segmentCutAt } from './segment-key.ts';

export interface SpoolStatus {
  pending: number;
  /** Age of the oldest pending segment in ms, null when none is pending. */
  oldestPendingAgeMs: number | null;
  /** Quarantined segments, each with why it cannot be read now. */
  quarantined: { key: string; bytes: number; reason: string }[];
}

/** Why this release cannot read a segment, or null when it can. */
function unreadable(bytes: Uint8Array): string | null {
  try {
    decodeSegment(bytes);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export async function spoolStatus(target: ExportTarget, now = Date.now()): Promise<SpoolStatus> {
  const pending = await target.list(SPOOL_PREFIX);
  const cutAt = pending.length ? segmentCutAt(pending[0] as string) : null;
  const quarantined: SpoolStatus['quarantined'] = [];
  for (const key of await target.list(QUARANTINE_PREFIX)) {
    const bytes = await target.get(key);
    if (bytes === null) continue;
    quarantined.push({ key, bytes: bytes.length, reason: unreadable(bytes) ?? 'readable now: requeue it' });
  }
  return { pending: pending.length, oldestPendingAgeMs: cutAt === null ? null : Math.max(0, now - cutAt), quarantined };
}

export class SpoolAdminError extends Error {
  override readonly name = 'SpoolAdminError';
}

/**
 * Moves quarantined segments back into the spool (copy, then delete), where the pipeline imports them; Bronze
 * drops any message it already holds. `keys` limits it to those quarantine keys; segments that still cannot be
 * read stay quarantined unless `force`.
 */
export async function requeueQuarantined(
  target: ExportTarget,
  opts: { keys?: string[]; force?: boolean } = {},
): Promise<{ requeued: string[]; kept: { key: string; reason: string }[] }> {
  const all = await target.list(QUARANTINE_PREFIX);
  const wanted = opts.keys?.map((k) => (k.startsWith(QUARANTINE_PREFIX) ? k : `${QUARANTINE_PREFIX}${k}`)) ?? all;
  const missing = wanted.filter((k) => !all.includes(k));
  if (missing.length) throw new SpoolAdminError(`not in the quarantine: ${missing.join(', ')}`);
  const requeued: string[] = [];
  const kept: { key: string; reason: string }[] = [];
  for (const key of wanted) {
    const bytes = await target.get(key);
    if (bytes === null) continue;
    const reason = opts.force ? null : unreadable(bytes);
    if (reason !== null) {
      kept.push({ key, reason });
      continue;
    }
    await target.putBytes(`${SPOOL_PREFIX}${key.slice(QUARANTINE_PREFIX.length)}`, bytes);
    await target.delete(key);
    requeued.push(key);
  }
  return { requeued, kept };
}
