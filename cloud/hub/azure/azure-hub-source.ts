import { notifyConnection, type DeviceConnectionEvent, type HubSource, type MethodResult, type Twin } from '../hub-source.ts';
import type { IngestSink } from '../ingest-sink.ts';
import { buildC2DMessage } from './c2d-mapping.ts';
import type { AzureHubSettings } from './config.ts';
import { ConnectionTracker, snapshotRow } from './connection-events.ts';
import { HubError, MethodTimeoutError, SinkRejectedError } from './errors.ts';
import { mapMethodError, methodTimeouts, toMethodResult } from './method-mapping.ts';
import { mapServiceError } from './service-errors.ts';
import { emptyStats, processPartitionBatch, type ConsumerStats } from './partition-handler.ts';
import type { ConsumerPort, RegistryPort, ServiceClientPort } from './ports.ts';
import type { ConnectionNotice } from './telemetry-mapping.ts';
import { buildDesiredPatch, toTwin } from './twin-mapping.ts';

export type HubLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface AzureHubPorts {
  consumer: ConsumerPort;
  registry: RegistryPort;
  service: ServiceClientPort;
  /** Optional work before the first subscribe, e.g. creating the checkpoint container. */
  prepare?: () => Promise<void>;
  log?: HubLog;
}

/**
 * Real Azure IoT Hub as a HubSource. Telemetry comes from the built-in Event Hub-compatible endpoint through a
 * consumer group shared by all cloud instances (partitions are split between them via the checkpoint store);
 * twins, direct methods and cloud-to-device messages go through the IoT Hub service API.
 * One instance runs once: after stop() make a new one.
 */
export class AzureHubSource implements HubSource {
  private readonly listeners = new Set<(e: DeviceConnectionEvent) => void>();
  private readonly tracker = new ConnectionTracker();
  private readonly inflight = new Set<Promise<void>>();
  private readonly counters = emptyStats();
  private subscription: { close(): Promise<void> } | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private readonly log: HubLog;

  constructor(
    private readonly settings: AzureHubSettings,
    private readonly ports: AzureHubPorts,
  ) {
    this.log = ports.log ?? (() => {});
  }

  async start(sink: IngestSink): Promise<void> {
    if (this.state !== 'idle') throw new HubError(this.state === 'running' ? 'INVALID_ARGUMENT' : 'NOT_RUNNING', `cannot start an Azure hub source that is ${this.state}`);
    this.state = 'running';
    await this.ports.prepare?.();
    const eh = this.settings.eventHub;
    // Without eventHub settings this instance is the service side only (the pipeline role): it reads no partitions.
    if (eh) this.subscription = this.ports.consumer.subscribe({
      processEvents: (events, context) => {
        const work = processPartitionBatch(events, context, {
          sink,
          concurrency: eh.sinkConcurrency,
          retries: eh.sinkRetries,
          retryDelayMs: eh.sinkRetryDelayMs,
          onConnection: (n) => this.onNotice(n),
          onInvalid: (reason, partitionId) => this.log('warn', 'skipped an event that is not device telemetry', { reason, partitionId }),
          stats: this.counters,
          isStopping: () => this.state !== 'running',
        });
        this.inflight.add(work);
        const forget = () => this.inflight.delete(work);
        work.then(forget, forget);
        return work;
      },
      processError: async (error, context) => {
        this.log(error instanceof SinkRejectedError ? 'warn' : 'error', error.message, { partitionId: context.partitionId, name: error.name });
      },
      processClose: async (reason, context) => {
        this.log('info', 'partition closed', { partitionId: context.partitionId, reason });
      },
    });
    if (this.settings.connection.mode === 'poll') {
      void this.poll();
      this.pollTimer = setInterval(() => void this.poll(), this.settings.connection.pollIntervalS * 1000);
      this.pollTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.pollTimer) clearInterval(this.pollTimer);
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    if (this.subscription) await attempt(() => this.subscription!.close());
    // Batches already handed to the sink finish (and checkpoint) before stop resolves: no accept after stop.
    await Promise.allSettled([...this.inflight]);
    await attempt(() => this.ports.consumer.close());
    await attempt(() => this.ports.service.close());
    if (errors.length) this.log('warn', 'errors while stopping', { errors: errors.map((e) => String(e)) });
  }

  async getTwin(deviceId: string): Promise<Twin> {
    try {
      return toTwin(await this.ports.registry.getTwin(deviceId), deviceId);
    } catch (err) {
      throw mapServiceError(err, deviceId);
    }
  }

  async updateDesired(deviceId: string, patch: Record<string, unknown>): Promise<Twin> {
    const body = buildDesiredPatch(patch);
    try {
      // '*' merges unconditionally: the patch itself is the unit of change, as on the embedded endpoint.
      return toTwin(await this.ports.registry.updateTwin(deviceId, body, '*'), deviceId);
    } catch (err) {
      throw mapServiceError(err, deviceId);
    }
  }

  async invokeMethod(deviceId: string, method: string, payload: unknown, timeoutS: number): Promise<MethodResult> {
    if (!method) throw new HubError('INVALID_ARGUMENT', 'direct method name must not be empty');
    const m = this.settings.methods;
    const t = methodTimeouts(timeoutS, m.defaultTimeoutS, m.connectTimeoutS);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MethodTimeoutError(deviceId, method, t.requestedS, 'no answer before the deadline')), t.localDeadlineMs);
    });
    try {
      const call = this.ports.service.invokeDeviceMethod(deviceId, {
        methodName: method,
        payload: payload ?? null,
        responseTimeoutInSeconds: t.responseTimeoutInSeconds,
        connectTimeoutInSeconds: t.connectTimeoutInSeconds,
      });
      // A late answer after our deadline must not surface as an unhandled rejection.
      call.catch(() => {});
      return toMethodResult(await Promise.race([call, deadline]));
    } catch (err) {
      throw mapMethodError(err, deviceId, method, t);
    } finally {
      clearTimeout(timer);
    }
  }

  async sendC2D(deviceId: string, body: Uint8Array | string, properties?: Record<string, string>): Promise<void> {
    const msg = buildC2DMessage(body, properties);
    try {
      await this.ports.service.send(deviceId, msg);
    } catch (err) {
      throw mapServiceError(err, deviceId);
    }
  }

  onConnection(listener: (e: DeviceConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Counters since start: accepted, sink failures, checkpoints, redeliveries, skipped events. */
  stats(): Readonly<ConsumerStats> {
    return { ...this.counters };
  }

  private emit(e: DeviceConnectionEvent): void {
    notifyConnection(this.listeners, e, this.log);
  }

  private onNotice(n: ConnectionNotice): void {
    if (this.settings.connection.mode !== 'events') return;
    const e = this.tracker.fromNotice(n);
    if (e) this.emit(e);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const rows = await this.ports.registry.queryConnectionStates();
      if (this.state !== 'running') return;
      const snapshot = new Map<string, boolean>();
      for (const row of rows) {
        const r = snapshotRow(row);
        if (r) snapshot.set(r[0], r[1]);
      }
      for (const e of this.tracker.fromSnapshot(snapshot, Date.now())) this.emit(e);
    } catch (err) {
      this.log('warn', 'connection state poll failed', { error: String(err) });
    } finally {
      this.polling = false;
    }
  }
}
