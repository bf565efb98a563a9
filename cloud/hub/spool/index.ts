/**
 * The spool: how several ingest replicas share the Event Hubs partitions while one pipeline replica owns the DuckDB
 * file. Ingest replicas write accepted messages as segments (SpoolWriter, an IngestSink); the pipeline replica reads
 * them (SpoolHubSource, a HubSource).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeExportTarget } from '../../pipeline/pipeline.ts';
import type { ExportTarget } from '../../storage/export-target.ts';
import type { SpoolSettings } from './settings.ts';
import { writerName } from './segment-key.ts';

export { SpoolWriter, SpoolWriteError, type SpoolWriterStats } from './spool-writer.ts';
export { SpoolHubSource, type SpoolSourceStats } from './spool-source.ts';
export { SpoolSettingsSchema, type SpoolSettings } from './settings.ts';
export { encodeSegment, decodeSegment, SegmentError, type Segment, type SpoolRecord } from './segment-codec.ts';
export { SPOOL_PREFIX, QUARANTINE_PREFIX, segmentKey, segmentCutAt } from './segment-key.ts';

export function makeSpoolTarget(s: SpoolSettings, dataDir: string): ExportTarget {
  const t = s.target;
  return makeExportTarget(t.kind === 'local' ? { ...t, dir: t.dir ?? join(dataDir, 'spool') } : t, dataDir);
}

/** This process's name in segment keys: the host (pod) name and a suffix new at every start. */
export function defaultWriterName(): string {
  return writerName(hostname(), randomBytes(3).toString('hex'));
}
