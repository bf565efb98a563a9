import { Counter, Gauge, type Registry } from 'prom-client';
import type { SpoolWriterStats } from './spool-writer.ts';
import type { SpoolSourceStats } from './spool-source.ts';
import type { ConsumerStats } from '../azure/partition-handler.ts';

/** A counter whose value is read from a running total at scrape time. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Ingest replica: what it wrote to the spool. */
export function spoolWriterMetrics(registry: Registry, stats: Readonly<SpoolWriterStats>): void {
  totalCounter(registry, 'fleetsync_spool_segments_written_total', 'Spool segments this ingest replica stored', () => stats.segmentsWritten);
  totalCounter(registry, 'fleetsync_spool_records_written_total', 'Messages and connection notices this ingest replica stored in the spool', () => stats.recordsWritten);
  totalCounter(registry, 'fleetsync_spool_write_failures_total', 'Spool segment writes that failed (their messages are read again from the checkpoint)', () => stats.writeFailures);
}

/** Ingest replica: what its Event Hubs consumer did with the events of its partitions. */
export function ingestConsumerMetrics(registry: Registry, stats: () => Readonly<ConsumerStats>): void {
  new Counter({
    name: 'fleetsync_ingest_events_total',
    help: 'Event Hubs events this ingest replica handled, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ outcome: 'accepted' }, s.accepted);
      this.inc({ outcome: 'connection' }, s.connectionEvents);
      this.inc({ outcome: 'ignored' }, s.ignored);
      this.inc({ outcome: 'invalid' }, s.invalid);
    },
  });
  totalCounter(registry, 'fleetsync_ingest_redeliveries_total', 'Batches whose partition restarts from its checkpoint after the spool refused a message', () => stats().redeliveries);
}

/** Pipeline replica: what it imported from the spool, and what still waits. */
export function spoolSourceMetrics(registry: Registry, stats: () => SpoolSourceStats): void {
  totalCounter(registry, 'fleetsync_spool_segments_imported_total', 'Spool segments stored in Bronze and removed from the spool', () => stats().segmentsImported);
  totalCounter(registry, 'fleetsync_spool_segments_quarantined_total', 'Spool segments that could not be read, moved to spool-quarantine/', () => stats().segmentsQuarantined);
  new Gauge({
    name: 'fleetsync_spool_pending_segments',
    help: 'Spool segments not yet imported into Bronze',
    registers: [registry],
    collect() {
      this.set(stats().pendingSegments);
    },
  });
  new Gauge({
    name: 'fleetsync_spool_oldest_pending_age_seconds',
    help: 'Age of the oldest spool segment not yet imported (0 when the spool is empty)',
    registers: [registry],
    collect() {
      this.set(stats().oldestPendingAgeMs / 1000);
    },
  });
}
