/** Journal settings: one TypeBox schema with defaults; the gateway's settings embed it. */
import { Type, type Static } from '@sinclair/typebox';

const MiB = 1024 * 1024;

export const JournalSettingsSchema = Type.Object(
  {
    /** Folder of the LevelDB database. */
    dir: Type.String({ minLength: 1 }),
    /** Cap on the journal's live bytes (stored key + msgpack value sizes of unacknowledged events). */
    capBytes: Type.Integer({ minimum: 64 * 1024, default: 1024 * MiB }),
    /**
     * Downsampling: once the journal holds more than downsampleAtPercent of its cap, old telemetry no cursor has
     * read is folded into one rollup per signal and window of this length (and one position per window) before
     * the cap evicts anything. 0 turns it off.
     */
    downsampleWindowMs: Type.Union([Type.Literal(0), Type.Integer({ minimum: 1000, maximum: 86_400_000 })], {
      default: 60_000,
      description: '0 (off) or a window of 1000 to 86400000 ms',
    }),
    downsampleAtPercent: Type.Integer({ minimum: 1, maximum: 99, default: 80 }),
    /** When the cap is hit, evict this much more than needed, so eviction runs in chunks and not on every append. */
    evictionSlackBytes: Type.Integer({ minimum: 0, default: 1 * MiB }),
    /** Group commit: most events and bytes in one LevelDB write batch. */
    maxBatchEvents: Type.Integer({ minimum: 1, default: 2000 }),
    maxBatchBytes: Type.Integer({ minimum: 1024, default: 4 * MiB }),
    /**
     * Commit delay: at low rates, the oldest queued item waits up to this long for others to share its fsync (fewer
     * fsyncs: less CPU and less flash wear; PUBACKs come this much later). 0 writes at once. Alerts never wait.
     */
    commitDelayMs: Type.Integer({ minimum: 0, maximum: 100, default: 10 }),
    /** ...and no item waits once this many events are queued: under load batches fill without any delay. */
    commitNoDelayCount: Type.Integer({ minimum: 1, default: 64 }),
    /** fsync each batch. Without it data survives a process crash but not a power loss. */
    sync: Type.Boolean({ default: true }),
    /** Queued (not yet written) events above which best-effort (QoS 0) appends are dropped. */
    maxQueuedBestEffort: Type.Integer({ minimum: 0, default: 20_000 }),
    /** Compact the event ranges after this many bytes were deleted (tombstones slow reads and hold disk). */
    compactAfterDeletedBytes: Type.Integer({ minimum: 0, default: 64 * MiB }),
    /** How often disk usage is measured and compaction considered. */
    maintenanceIntervalMs: Type.Integer({ minimum: 100, default: 5000 }),
    /** Backoff between reopen attempts after a failed write. */
    reopenMinMs: Type.Integer({ minimum: 1, default: 100 }),
    reopenMaxMs: Type.Integer({ minimum: 1, default: 5000 }),
  },
  { additionalProperties: false },
);

export type JournalSettings = Static<typeof JournalSettingsSchema>;
export type JournalSettingsInput = Partial<JournalSettings> & { dir: string };
