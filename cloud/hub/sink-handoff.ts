/**
 * The durable hand-off to the IngestSink, with a few retries: a failure the hub can absorb (a busy disk, a sink
 * reopening) should not cost the device a reconnect and a burst of duplicates. After the last try the error goes
 * back to the caller, which closes the connection so the device resends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { HubTelemetry, IngestSink } from './ingest-sink.ts';

export interface HandOffOptions {
  attempts: number;
  retryDelayMs: number;
  /** Stops retrying (the endpoint is shutting down). */
  stopping: () => boolean;
}

export function makeHandOff(sink: IngestSink, opts: HandOffOptions, log: Logger): (msg: HubTelemetry) => Promise<void> {
  return async (msg) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.accept(msg);
        return;
      } catch (err) {
        if (attempt >= opts.attempts || opts.stopping()) throw err;
        const delay = opts.retryDelayMs * 2 ** (attempt - 1);
        log.warn({ err, deviceId: msg.deviceId, attempt, delayMs: delay }, 'sink did not store a message; retrying');
        await sleep(delay);
      }
    }
  };
}
