import { Type, type Static } from '@sinclair/typebox';
import { ExportTargetSettingsSchema } from '../../pipeline/settings.ts';

const closed = { additionalProperties: false } as const;

/** The spool between ingest replicas and the pipeline replica. Both roles must name the same target. */
export const SpoolSettingsSchema = Type.Object(
  {
    target: Type.Union([ExportTargetSettingsSchema], {
      default: { kind: 'local' },
      description: 'where segments go: a folder (default <dataDir>/spool) or an Azure Blob container shared by every replica',
    }),
    flushDelayMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 50, description: 'how long a segment waits for more messages before it is written' }),
    maxRecords: Type.Integer({ minimum: 1, maximum: 100_000, default: 2000 }),
    maxBytes: Type.Integer({ minimum: 65_536, maximum: 64 * 1024 * 1024, default: 4 * 1024 * 1024 }),
    pollIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 500, description: 'pipeline: wait between listings of an empty spool' }),
    concurrency: Type.Integer({ minimum: 1, maximum: 1024, default: 64, description: 'pipeline: Bronze accepts in flight per segment' }),
  },
  { ...closed, default: {} },
);

export type SpoolSettings = Static<typeof SpoolSettingsSchema>;
