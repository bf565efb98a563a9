import type { IngestSink } from '../ingest-sink.ts';
import { AckTracker } from './ack-tracker.ts';
import { SinkRejectedError } from './errors.ts';
import type { PartitionContextPort } from './ports.ts';
import { classifyEvent, type ConnectionNotice, type EventDataLike } from './telemetry-mapping.ts';

export interface ConsumerStats {
  batches: number;
  accepted: number;
  sinkFailures: number;
  connectionEvents: number;
  ignored: number;
  invalid: number;
  checkpoints: number;
  redeliveries: number;
}

export function emptyStats(): ConsumerStats {
  return { batches: 0, accepted: 0, sinkFailures: 0, connectionEvents: 0, ignored: 0, invalid: 0, checkpoints: 0, redeliveries: 0 };
}

export interface PartitionHandlerOptions {
  sink: IngestSink;
  /** sink.accept calls in flight at once within one partition. */
  concurrency: number;
  /** Extra attempts for a failed sink.accept before the batch is given up (and redelivered by the pump). */
  retries: number;
  retryDelayMs: number;
  onConnection(notice: ConnectionNotice): void;
  onInvalid?(reason: string, partitionId: string): void;
  stats: ConsumerStats;
  /** Once true, no further event of the batch is handed to the sink. */
  isStopping(): boolean;
  sleep?(ms: number): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Handles one batch of one partition: store first, then checkpoint. Events are handed to the sink in partition
 * order with up to `concurrency` in flight; the checkpoint moves only to the end of the unbroken run of accepted
 * events from the start of the batch. If the sink still refuses an event after the retries, the batch fails with
 * SinkRejectedError: the pump stops the partition and later resumes it from the checkpoint, so that event and
 * everything after it are delivered again. Delivery is therefore at least once; the sink deduplicates.
 */
export async function processPartitionBatch<E extends EventDataLike>(
  events: E[],
  context: PartitionContextPort<E>,
  opts: PartitionHandlerOptions,
): Promise<void> {
  if (events.length === 0) return;
  opts.stats.batches++;
  const sleep = opts.sleep ?? defaultSleep;
  const tracker = new AckTracker(events.length);
  let next = 0;
  const failures: { index: number; err: unknown }[] = [];

  const accept = async (index: number, msg: Parameters<IngestSink['accept']>[0]): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.sink.accept(msg);
        opts.stats.accepted++;
        tracker.complete(index);
        return;
      } catch (err) {
        opts.stats.sinkFailures++;
        if (attempt >= opts.retries || opts.isStopping()) {
          tracker.fail(index);
          failures.push({ index, err });
          return;
        }
        await sleep(opts.retryDelayMs * 2 ** attempt);
      }
    }
  };
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < events.length && !opts.isStopping()) {
      const index = next++;
      const event = events[index] as E;
      const c = classifyEvent(event);
      if (c.kind === 'telemetry') {
        await accept(index, c.msg);
        continue;
      }
      if (c.kind === 'connection') {
        opts.stats.connectionEvents++;
        opts.onConnection(c.notice);
      } else if (c.kind === 'ignored') {
        opts.stats.ignored++;
      } else {
        opts.stats.invalid++;
        opts.onInvalid?.(c.reason, context.partitionId);
      }
      tracker.complete(index);
    }
  };

  await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.concurrency), events.length) }, worker));

  const upTo = tracker.checkpointIndex;
  if (upTo >= 0) {
    await context.updateCheckpoint(events[upTo] as E);
    opts.stats.checkpoints++;
  }
  if (failures.length) {
    const first = failures.reduce((a, b) => (b.index < a.index ? b : a));
    opts.stats.redeliveries++;
    throw new SinkRejectedError(context.partitionId, (events[first.index] as E).sequenceNumber, { cause: first.err });
  }
}
