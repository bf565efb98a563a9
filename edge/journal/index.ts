/**
 * Durable journal of the edge gateway (LevelDB): store before acknowledge, ship in lanes, delete on cloud ack.
 *
 *   const j = await Journal.open({ dir, capBytes });          // settings: JournalSettingsSchema (TypeBox, defaults)
 *   j.epoch / j.bootId                                         // epoch: random, stable for the folder's life (wire
 *                                                              //   envelope + cloud dedup key); bootId `${epoch}:${n}`
 *   const seq = await j.append('telemetry', { rt, kind: 'reading', body });   // QoS 1: PUBACK after it resolves
 *   j.appendThen('telemetry', item, (err, seq) => ...)         // the same with a callback (the broker's hot path)
 *   j.appendBestEffort('telemetry', item);                     // QoS 0: never rejects, drops are counted
 *
 * Broker contract. `append` resolves only after the batch holding the item is fsync'ed (settings.sync), and
 * promises resolve in call order, so PUBACKs go out in arrival order. Call it from aedes' authorizePublish (the
 * PUBACK is written right after it). On rejection send no PUBACK; the sensor resends. Rejections:
 *   JournalUnavailableError (closed / reopening after a failed write), JournalWriteError (the write failed, e.g.
 *   disk full; the journal closes, reopens with backoff and accepts again when the disk does),
 *   JournalFullError (byte cap reached and the eviction policy may not make room, e.g. the cap is full of alerts),
 *   JournalBusyError (best-effort only: queue over maxQueuedBestEffort).
 *
 * Seqs. Per lane, from 1, assigned in call order, never reused and without gaps, across restarts and crashes: a
 * failed write rejects its items and everything queued behind it, and the seq counter is re-derived from the keys
 * actually stored (if the failed batch did land, its events are kept but were never acknowledged: duplicates, as
 * after any crash, which the cloud removes by (epoch, lane, seq)).
 *
 * Uplink contract.
 *   const c = j.cursor(lane)                   // reads after lastAckedSeq, follows new appends
 *   const { live, backlog } = j.liveAndBacklog(lane, { recent: 10 })   // live first, backlog oldest first
 *   const chunk = await c.next({ maxEvents, maxBytes, decode })        // { events, encoded, seqs, bytes, lastSeq }
 *   await j.ackRange(lane, chunk.seqs[0], chunk.seqs.at(-1))           // any contiguous range, deletes it
 *   await j.ack(lane, uptoSeq)                                         // everything up to uptoSeq
 *   c.rewind()                                 // on reconnect: re-read from max(start, lastAckedSeq)
 *   j.on('committed', (lanes) => ...)          // new durable events: wake readers that got an empty chunk
 * lastAckedSeq is the head-of-lane point: every seq <= it is acked or evicted. Acked islands above it are deleted
 * at once and skipped by cursors; lastAckedSeq jumps over them when the gap below closes. Acks go through the same
 * writer as appends (atomic with the lane's meta record) and are idempotent.
 *
 * Bounded disk. settings.capBytes bounds live bytes (stored key + msgpack value of unacknowledged events, queued
 * ones included). Eviction (eviction-policy.ts): alerts never; rejects, then status, then telemetry, oldest first;
 * an event may only evict lanes of its own priority or lower; otherwise it is refused. Counts per lane persist.
 *
 * Stats (O(1)): j.laneStatus(lane) -> LaneStatus (+ nextSeq, committedSeq, refused, ackedIslands), j.status()
 * (+ state, epoch, bootId, liveBytes, diskBytes measured every maintenanceIntervalMs). Compaction runs off the hot
 * path after compactAfterDeletedBytes were deleted, or on j.compact().
 * Events: 'committed' (lanes), 'state' (open | recovering | closing | closed), 'fault' (error; recovery is
 * automatic), 'evicted' (lane, events, bytes), 'compacted' (ms), 'undecodable' (lane, seq, reason: a damaged stored
 * event, dropped and counted as evicted so that its lane keeps moving).
 * Also: j.flushed() (everything queued so far is written), j.measureDisk(), j.committedSeq(lane), j.lastAckedSeq(lane).
 * Shutdown: await j.close() writes what is queued, then closes.
 * Format: open marks the folder with JOURNAL_FORMAT (a FORMAT file, format-marker.ts) and refuses one a newer
 *   release wrote (JournalFormatError), before opening LevelDB.
 *
 * Downsampling. Past downsampleAtPercent of the cap, the oldest telemetry no cursor has read is folded (rollup.ts)
 *   into rollups and thinned positions, appended at the tail before the originals are evicted; those evictions are
 *   also counted as `downsampled` (persisted). Told as 'downsampled' (lane, events, written). Off with
 *   downsampleWindowMs 0.
 */
export { Journal } from './journal.ts';
export type { AppendDone, JournalItem, JournalDb, JournalEvents, JournalLaneStatus, JournalState, JournalStatus, JournalTestHooks } from './journal.ts';
export { LaneCursor } from './cursor.ts';
export type { ReadChunk, ReadLimits } from './cursor.ts';
export { JournalBusyError, JournalFullError, JournalUnavailableError, JournalWriteError } from './errors.ts';
export { JOURNAL_FORMAT, JournalFormatError } from './format-marker.ts';
export { JournalSettingsSchema } from './settings.ts';
export type { JournalSettings, JournalSettingsInput } from './settings.ts';
export { EVICTION_ORDER, LANE_PRIORITY, planEviction } from './eviction-policy.ts';
export { foldTelemetry } from './rollup.ts';
export type { FoldResult } from './rollup.ts';
