import { Type, type Static } from '@sinclair/typebox';
import { validateSettings } from '../../shared/settings/load-settings.ts';
import { GoldSettingsSchema } from './gold/gold-settings.ts';

const closed = { additionalProperties: false } as const;
const FIVE_YEARS_DAYS = 1827;
/** Bronze batches per Silver transaction (and at most SILVER_MAX_EVENTS_PER_TRANSACTION events). */
export const SILVER_BATCHES_PER_TRANSACTION = 512;
/**
 * Large enough that a catch-up transaction fills whole DuckDB row groups (122,880 rows) of silver_readings: DuckDB
 * writes those straight to the database file instead of logging every row in the WAL and copying it again at the
 * next checkpoint (docs/medallion.md).
 */
export const SILVER_MAX_EVENTS_PER_TRANSACTION = 250_000;

export const ExportTargetSettingsSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('local'),
      /** Defaults to <data>/export. */
      dir: Type.Optional(Type.String({ minLength: 1 })),
    },
    closed,
  ),
  Type.Object(
    {
      kind: Type.Literal('azure-blob'),
      connectionString: Type.Optional(Type.String({ minLength: 1 })),
      containerUrl: Type.Optional(Type.String({ minLength: 1, description: 'container URL with a SAS token' })),
      container: Type.Optional(Type.String({ minLength: 3, maxLength: 63 })),
      prefix: Type.String({ default: '' }),
      createIfMissing: Type.Boolean({ default: false }),
    },
    closed,
  ),
]);

export const PipelineSettingsSchema = Type.Object(
  {
    silver: Type.Object(
      {
        /** Events more than this far ahead of the hub's receive time are quarantined (event_time_future). */
        maxFutureS: Type.Number({ minimum: 0, default: 86_400 }),
        batchesPerTransaction: Type.Integer({ minimum: 1, default: SILVER_BATCHES_PER_TRANSACTION }),
        maxEventsPerTransaction: Type.Integer({ minimum: 1, default: SILVER_MAX_EVENTS_PER_TRANSACTION }),
        /** Decode and validate on a worker thread, overlapping with the DuckDB writes (uses a second core). */
        workerThread: Type.Boolean({ default: true }),
      },
      { ...closed, default: {} },
    ),
    gold: GoldSettingsSchema,
    loop: Type.Object(
      {
        /** After a Bronze commit, wait this long for more before processing (groups small batches). */
        debounceMs: Type.Integer({ minimum: 0, default: 100 }),
        /** Dirty Gold partitions per transaction. */
        goldPartitionsPerTransaction: Type.Integer({ minimum: 1, default: 2000 }),
        /**
         * The background loop refreshes a (vehicle, day) at most this often. Gold recomputes the whole day, so
         * refreshing on every commit costs the day's events again each time (0: on every round).
         */
        goldEveryS: Type.Number({ minimum: 0, default: 10 }),
        /** Silver events the background loop lets one Gold transaction read before Silver runs again. */
        goldEventsPerSlice: Type.Integer({ minimum: 1, default: 200_000 }),
      },
      { ...closed, default: {} },
    ),
    retention: Type.Object(
      {
        bronzeDays: Type.Integer({ minimum: 1, default: FIVE_YEARS_DAYS }),
        silverDays: Type.Integer({ minimum: 1, default: FIVE_YEARS_DAYS }),
        goldDays: Type.Integer({ minimum: 1, default: FIVE_YEARS_DAYS }),
        /** How often the retention job runs (it also runs at start). */
        everyHours: Type.Number({ exclusiveMinimum: 0, default: 24 }),
      },
      { ...closed, default: {} },
    ),
    export: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Changed partitions are written at most this often. */
        everyS: Type.Number({ minimum: 0, default: 60 }),
        target: Type.Union([ExportTargetSettingsSchema], { default: { kind: 'local' } }),
      },
      { ...closed, default: {} },
    ),
    duckdb: Type.Object(
      {
        threads: Type.Optional(Type.Integer({ minimum: 1 })),
        memoryLimit: Type.Optional(Type.String({ pattern: '^[0-9.]+ ?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$' })),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export type PipelineSettings = Static<typeof PipelineSettingsSchema>;
export type ExportTargetSettings = Static<typeof ExportTargetSettingsSchema>;

/** Fills defaults and validates; errors name the field path (SettingsError). */
export function parsePipelineSettings(raw: unknown, source = 'pipeline settings'): PipelineSettings {
  return validateSettings(PipelineSettingsSchema, raw ?? {}, source);
}
