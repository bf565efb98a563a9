/** Typed errors the journal rejects appends, acks and reads with. None of them means data that was acknowledged is lost. */
import type { Lane } from '../../shared/contracts/types.ts';

/** The journal is closed, opening, or reopening after a failed write. Retry later; do not acknowledge. */
export class JournalUnavailableError extends Error {
  override readonly name = 'JournalUnavailableError';
  constructor(readonly state: string) {
    super(`journal is not accepting work (state: ${state})`);
  }
}

/** The write holding this item failed (e.g. disk full). Nothing of it was acknowledged; the journal reopens itself. */
export class JournalWriteError extends Error {
  override readonly name = 'JournalWriteError';
  constructor(override readonly cause: unknown) {
    super(`journal write failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** The byte cap is reached and the eviction policy may not make room for this lane (e.g. the cap is full of alerts). */
export class JournalFullError extends Error {
  override readonly name = 'JournalFullError';
  constructor(
    readonly lane: Lane,
    readonly reason: 'full-of-alerts' | 'full-of-higher-priority' | 'larger-than-cap',
  ) {
    super(`journal full: cannot store a ${lane} event (${reason})`);
  }
}

/** The best-effort queue is over its limit; the QoS 0 item was dropped and counted. */
export class JournalBusyError extends Error {
  override readonly name = 'JournalBusyError';
  constructor() {
    super('journal queue is over its best-effort limit');
  }
}
