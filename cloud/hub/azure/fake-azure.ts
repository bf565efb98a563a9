/**
 * Fakes of the Azure cloud endpoints, for unit tests only: an EventHubConsumerClient with a checkpoint store,
 * the IoT Hub registry, and the IoT Hub service client. They copy the SDK behaviour the hub source depends on:
 * - after processEvents rejects with a non-retryable error, the partition pump stops and the partition is
 *   read again from its last checkpoint (a retryable error makes the pump carry on with the next batch);
 * - a checkpoint is the last event passed to updateCheckpoint; reading resumes right after it.
 */
import type { C2DMessage } from './c2d-mapping.ts';
import type { ConsumerHandlers, ConsumerPort, MethodParams, PartitionContextPort, RegistryPort, ServiceClientPort } from './ports.ts';
import type { EventDataLike } from './telemetry-mapping.ts';

export interface FakeCheckpoint {
  partitionId: string;
  sequenceNumber: number;
  offset: string;
}

/** The Event Hub's partition logs and the checkpoint store, which several consumer instances can share. */
export interface FakeEventHub {
  partitions: Map<string, EventDataLike[]>;
  checkpoints: Map<string, FakeCheckpoint>;
}

export function fakeEventHub(): FakeEventHub {
  return { partitions: new Map(), checkpoints: new Map() };
}

export class FakeEventHubConsumerClient implements ConsumerPort {
  readonly partitions: Map<string, EventDataLike[]>;
  readonly checkpoints: Map<string, FakeCheckpoint>;
  readonly checkpointLog: FakeCheckpoint[] = [];
  readonly errors: { partitionId: string; error: Error }[] = [];
  restarts = 0;
  closed = false;
  private handlers: ConsumerHandlers<EventDataLike> | undefined;
  private readonly positions = new Map<string, number>();
  private subscriptionClosed = false;

  /**
   * Give two clients the same `hub` to model two cloud instances in one consumer group: a partition that one of
   * them stops reading, the other reads from the shared checkpoint on (which partitions each one pumps is the test's
   * choice, standing in for the SDK's load balancer).
   */
  constructor(
    private readonly maxBatchSize = 100,
    hub: FakeEventHub = fakeEventHub(),
  ) {
    this.partitions = hub.partitions;
    this.checkpoints = hub.checkpoints;
  }

  /** Appends an event to a partition log, with the next sequence number of that partition. */
  publish(partitionId: string, event: Omit<EventDataLike, 'sequenceNumber' | 'offset'>): EventDataLike {
    const log = this.partitions.get(partitionId) ?? [];
    this.partitions.set(partitionId, log);
    const full: EventDataLike = { ...event, sequenceNumber: log.length, offset: String(log.length * 100) };
    log.push(full);
    return full;
  }

  subscribe(handlers: ConsumerHandlers<EventDataLike>): { close(): Promise<void> } {
    this.handlers = handlers;
    return {
      close: async () => {
        this.subscriptionClosed = true;
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private startIndex(partitionId: string): number {
    const cp = this.checkpoints.get(partitionId);
    return cp ? cp.sequenceNumber + 1 : 0;
  }

  /** Delivers one batch of a partition, as the partition pump does. Returns false when nothing was left. */
  async pumpOnce(partitionId: string): Promise<boolean> {
    const h = this.handlers;
    if (!h || this.subscriptionClosed) return false;
    const log = this.partitions.get(partitionId) ?? [];
    const from = this.positions.get(partitionId) ?? this.startIndex(partitionId);
    if (from >= log.length) return false;
    const batch = log.slice(from, from + this.maxBatchSize);
    const context: PartitionContextPort<EventDataLike> = {
      partitionId,
      updateCheckpoint: async (event) => {
        const cp = { partitionId, sequenceNumber: event.sequenceNumber, offset: event.offset };
        this.checkpoints.set(partitionId, cp);
        this.checkpointLog.push(cp);
      },
    };
    try {
      await h.processEvents(batch, context);
      this.positions.set(partitionId, from + batch.length);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.errors.push({ partitionId, error });
      await h.processError(error, { partitionId });
      if ((error as { retryable?: unknown }).retryable === true) {
        this.positions.set(partitionId, from + batch.length);
      } else {
        // Pump stopped; the processor later claims the partition again and reads from the checkpoint.
        await h.processClose?.('Shutdown', { partitionId });
        this.restarts++;
        this.positions.set(partitionId, this.startIndex(partitionId));
      }
    }
    return true;
  }

  /** Pumps every partition concurrently until all are read, or `maxRounds` batches per partition were tried. */
  async drain(maxRounds = 50): Promise<void> {
    await Promise.all(
      [...this.partitions.keys()].map(async (pid) => {
        for (let i = 0; i < maxRounds; i++) {
          if (!(await this.pumpOnce(pid))) return;
        }
      }),
    );
  }

  checkpointOf(partitionId: string): number | undefined {
    return this.checkpoints.get(partitionId)?.sequenceNumber;
  }
}

/** An error shaped like azure-iothub's translateError output (name, response.statusCode, responseBody). */
export function fakeHubHttpError(name: string, statusCode: number, responseBody = ''): Error {
  const err = new Error(`${name} (${statusCode})`) as Error & { response: { statusCode: number }; responseBody: string };
  err.name = name;
  err.response = { statusCode };
  err.responseBody = responseBody;
  return err;
}

type Doc = { deviceId: string; etag: string; connectionState: 'Connected' | 'Disconnected'; properties: { desired: Record<string, unknown>; reported: Record<string, unknown> } };

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof target[k] === 'object' && target[k] !== null && !Array.isArray(target[k])) {
      mergePatch(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else target[k] = structuredClone(v);
  }
}

/** The IoT Hub registry (twins, device query) as the service SDK's Registry exposes it. */
export class FakeRegistry implements RegistryPort {
  readonly twins = new Map<string, Doc>();
  readonly updates: { deviceId: string; patch: unknown; etag: string }[] = [];
  queryFailures = 0;

  addDevice(deviceId: string, connected = false): void {
    this.twins.set(deviceId, {
      deviceId,
      etag: 'AAAAAAAAAAE=',
      connectionState: connected ? 'Connected' : 'Disconnected',
      properties: {
        desired: { $metadata: { $lastUpdated: '2026-01-01T00:00:00Z' }, $version: 1 },
        reported: { $metadata: { $lastUpdated: '2026-01-01T00:00:00Z' }, $version: 1 },
      },
    });
  }

  setConnected(deviceId: string, connected: boolean): void {
    const doc = this.twins.get(deviceId);
    if (doc) doc.connectionState = connected ? 'Connected' : 'Disconnected';
  }

  async getTwin(deviceId: string): Promise<unknown> {
    const doc = this.twins.get(deviceId);
    if (!doc) throw fakeHubHttpError('DeviceNotFoundError', 404, '{"Message":"ErrorCode:DeviceNotFound;not registered"}');
    return structuredClone(doc);
  }

  async updateTwin(deviceId: string, patch: unknown, etag: string): Promise<unknown> {
    this.updates.push({ deviceId, patch: structuredClone(patch), etag });
    const doc = this.twins.get(deviceId);
    if (!doc) throw fakeHubHttpError('DeviceNotFoundError', 404, '{"Message":"ErrorCode:DeviceNotFound;not registered"}');
    const desiredPatch = (patch as { properties?: { desired?: Record<string, unknown> } }).properties?.desired ?? {};
    mergePatch(doc.properties.desired, desiredPatch);
    doc.properties.desired.$version = Number(doc.properties.desired.$version) + 1;
    return structuredClone(doc);
  }

  async queryConnectionStates(): Promise<unknown[]> {
    if (this.queryFailures > 0) {
      this.queryFailures--;
      throw fakeHubHttpError('ThrottlingError', 429);
    }
    return [...this.twins.values()].map((d) => ({ deviceId: d.deviceId, connectionState: d.connectionState }));
  }
}

/** The IoT Hub service client (direct methods over HTTPS, C2D over AMQP). */
export class FakeServiceClient implements ServiceClientPort {
  readonly invocations: { deviceId: string; params: MethodParams }[] = [];
  readonly sent: { deviceId: string; message: C2DMessage }[] = [];
  closed = false;
  /** How the "device" answers; replace per test. */
  onMethod: (deviceId: string, params: MethodParams) => Promise<unknown> = async () => ({ status: 200, payload: null });
  onSend: (deviceId: string, message: C2DMessage) => Promise<void> = async () => {};

  async invokeDeviceMethod(deviceId: string, params: MethodParams): Promise<unknown> {
    this.invocations.push({ deviceId, params });
    return this.onMethod(deviceId, params);
  }

  async send(deviceId: string, message: C2DMessage): Promise<void> {
    await this.onSend(deviceId, message);
    this.sent.push({ deviceId, message });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
