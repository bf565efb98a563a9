import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceConnectionEvent } from '../hub-source.ts';
import type { HubTelemetry, IngestSink } from '../ingest-sink.ts';
import { AzureHubSource } from './azure-hub-source.ts';
import { parseAzureHubSettings } from './config.ts';
import { C2DMessageError, C2DQueueFullError, DeviceNotFoundError, MethodTimeoutError, TwinPatchError } from './errors.ts';
import { FakeEventHubConsumerClient, FakeRegistry, FakeServiceClient, fakeHubHttpError } from './fake-azure.ts';
import type { EventDataLike } from './telemetry-mapping.ts';

const KEY = Buffer.alloc(32, 3).toString('base64');

function settings(over: { eventHub?: Record<string, unknown>; methods?: Record<string, unknown>; connection?: Record<string, unknown> } = {}) {
  return parseAzureHubSettings({
    iotHub: { connectionString: `HostName=fleet-hub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=${KEY}` },
    eventHub: {
      connectionString: `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${KEY};EntityPath=fleet-hub`,
      sinkRetries: 1,
      sinkRetryDelayMs: 0,
      ...over.eventHub,
    },
    checkpoint: { connectionString: 'UseDevelopmentStorage=true' },
    ...(over.methods ? { methods: over.methods } : {}),
    ...(over.connection ? { connection: over.connection } : {}),
  });
}

/** A plain in-memory IngestSink: stores by messageId (so redelivered copies are absorbed) and can be told to refuse. */
class RecordingSink implements IngestSink {
  readonly stored = new Map<string, HubTelemetry>();
  readonly order: string[] = [];
  calls = 0;
  /** messageId -> how many more attempts to refuse. */
  readonly refuse = new Map<string, number>();
  down = false;
  closed = false;

  async accept(msg: HubTelemetry): Promise<void> {
    this.calls++;
    const id = msg.system.messageId ?? '';
    const left = this.refuse.get(id) ?? 0;
    if (this.down || left > 0) {
      this.refuse.set(id, left - 1);
      throw new Error(`sink refused ${id}`);
    }
    if (!this.stored.has(id)) this.order.push(id);
    this.stored.set(id, msg);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function telemetry(deviceId: string, messageId: string, props: Record<string, string> = {}): Omit<EventDataLike, 'sequenceNumber' | 'offset'> {
  return {
    body: Buffer.from(JSON.stringify({ messageId })),
    properties: props,
    systemProperties: {
      'iothub-connection-device-id': deviceId,
      'iothub-enqueuedtime': 1_754_000_000_000,
      'iothub-message-source': 'Telemetry',
      messageId,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    },
    enqueuedTimeUtc: new Date(1_754_000_000_100),
    messageId,
  };
}

function connectionEvent(deviceId: string, connected: boolean, seq: string): Omit<EventDataLike, 'sequenceNumber' | 'offset'> {
  return {
    body: Buffer.from(JSON.stringify({ sequenceNumber: seq })),
    properties: {
      hubName: 'fleet-hub',
      deviceId,
      opType: connected ? 'deviceConnected' : 'deviceDisconnected',
      'iothub-message-schema': 'deviceConnectionStateNotification',
      operationTimestamp: '2026-06-01T18:43:04Z',
    },
    systemProperties: { 'iothub-connection-device-id': deviceId, 'iothub-message-source': 'deviceConnectionStateEvents' },
    enqueuedTimeUtc: new Date(1_754_000_000_100),
  };
}

function makeSource(s = settings(), consumer = new FakeEventHubConsumerClient()) {
  const registry = new FakeRegistry();
  const service = new FakeServiceClient();
  const logs: { level: string; msg: string }[] = [];
  const source = new AzureHubSource(s, { consumer, registry, service, log: (level, msg) => logs.push({ level, msg }) });
  return { source, consumer, registry, service, logs };
}

let running: AzureHubSource[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
  vi.useRealTimers();
});

async function started(parts: ReturnType<typeof makeSource>, sink: IngestSink) {
  await parts.source.start(sink);
  running.push(parts.source);
  return parts;
}

describe('AzureHubSource telemetry (with a fake EventHubConsumerClient and checkpoint store)', () => {
  it('with a fake EventHubConsumerClient: delivers every partition to the sink and checkpoints each at its last stored event', async () => {
    const sink = new RecordingSink();
    const parts = await started(makeSource(settings(), new FakeEventHubConsumerClient(3)), sink);
    const consumer = parts.consumer;
    for (let i = 0; i < 5; i++) consumer.publish('0', telemetry('gw-a', `a-${i}`, { lane: 'telemetry' }));
    for (let i = 0; i < 4; i++) consumer.publish('1', telemetry('gw-b', `b-${i}`));
    await consumer.drain();

    expect(sink.order.filter((id) => id.startsWith('a-'))).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    expect(sink.order.filter((id) => id.startsWith('b-'))).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
    expect(sink.stored.get('a-2')).toMatchObject({ deviceId: 'gw-a', properties: { lane: 'telemetry' }, system: { contentType: 'application/json' } });
    expect(consumer.checkpointOf('0')).toBe(4);
    expect(consumer.checkpointOf('1')).toBe(3);
    // One checkpoint per batch of 3: 0..2 then 3..4 / 3.
    expect(consumer.checkpointLog.filter((c) => c.partitionId === '0').map((c) => c.sequenceNumber)).toEqual([2, 4]);
    expect(parts.source.stats()).toMatchObject({ accepted: 9, checkpoints: 4, redeliveries: 0 });
  });

  it('with a fake EventHubConsumerClient: a refused event gets no checkpoint past it and is delivered again from the checkpoint', async () => {
    const sink = new RecordingSink();
    const { consumer, source } = await started(makeSource(settings({ eventHub: { sinkConcurrency: 1 } })), sink);
    for (let i = 0; i < 5; i++) consumer.publish('0', telemetry('gw-a', `m-${i}`));
    // Refused on the first attempt and on the one retry: the batch fails.
    sink.refuse.set('m-2', 2);

    expect(await consumer.pumpOnce('0')).toBe(true);
    expect(consumer.checkpointOf('0')).toBe(1);
    expect(consumer.restarts).toBe(1);
    expect(consumer.errors[0]?.error).toMatchObject({ code: 'SINK_REJECTED', partitionId: '0', sequenceNumber: 2, retryable: false });
    expect([...sink.stored.keys()]).toEqual(['m-0', 'm-1']);

    await consumer.drain();
    expect(sink.order).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    expect(consumer.checkpointLog.map((c) => c.sequenceNumber)).toEqual([1, 4]);
    expect(source.stats()).toMatchObject({ accepted: 5, sinkFailures: 2, redeliveries: 1 });
  });

  it('with a fake EventHubConsumerClient: a retry inside the batch absorbs one refusal without a restart', async () => {
    const sink = new RecordingSink();
    const { consumer } = await started(makeSource(), sink);
    for (let i = 0; i < 3; i++) consumer.publish('0', telemetry('gw-a', `m-${i}`));
    sink.refuse.set('m-1', 1);
    await consumer.drain();
    expect(consumer.restarts).toBe(0);
    // With several accepts in flight m-2 may be stored before m-1's retry; the checkpoint still waits for m-1.
    expect(new Set(sink.order)).toEqual(new Set(['m-0', 'm-1', 'm-2']));
    expect(consumer.checkpointLog.map((c) => c.sequenceNumber)).toEqual([2]);
  });

  it('with a fake EventHubConsumerClient: while the sink is down nothing is checkpointed, and all arrives once it is back', async () => {
    const sink = new RecordingSink();
    const { consumer } = await started(makeSource(), sink);
    for (let i = 0; i < 4; i++) consumer.publish('0', telemetry('gw-a', `m-${i}`));
    consumer.publish('1', telemetry('gw-b', 'n-0'));
    sink.down = true;
    await consumer.drain(3);
    expect(consumer.checkpointLog).toEqual([]);
    expect(consumer.restarts).toBe(6);
    sink.down = false;
    await consumer.drain();
    expect(new Set(sink.order)).toEqual(new Set(['m-0', 'm-1', 'm-2', 'm-3', 'n-0']));
    expect(consumer.checkpointOf('0')).toBe(3);
    expect(consumer.checkpointOf('1')).toBe(0);
  });

  it('with a fake EventHubConsumerClient: out-of-order completion within a partition still checkpoints in order', async () => {
    // Accepts resolve only when the test says so; later events finish first.
    const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
    const storedOrder: string[] = [];
    const sink: IngestSink = {
      accept: (msg) =>
        new Promise<void>((resolve, reject) => {
          const id = msg.system.messageId ?? '';
          pending.set(id, {
            resolve: () => {
              storedOrder.push(id);
              resolve();
            },
            reject,
          });
        }),
      close: async () => {},
    };
    const { consumer } = await started(makeSource(settings({ eventHub: { sinkConcurrency: 4, sinkRetries: 0 } })), sink);
    for (let i = 0; i < 4; i++) consumer.publish('0', telemetry('gw-a', `m-${i}`));
    const pumping = consumer.pumpOnce('0');
    await vi.waitFor(() => expect(pending.size).toBe(4));
    pending.get('m-3')?.resolve();
    pending.get('m-2')?.resolve();
    pending.get('m-1')?.reject(new Error('disk full'));
    pending.get('m-0')?.resolve();
    await pumping;
    expect(storedOrder).toEqual(['m-3', 'm-2', 'm-0']);
    // m-2 and m-3 are stored, but m-1 is not: the checkpoint stops at m-0 and m-1.. come again.
    expect(consumer.checkpointLog.map((c) => c.sequenceNumber)).toEqual([0]);
    expect(consumer.restarts).toBe(1);
    const again = consumer.pumpOnce('0');
    await vi.waitFor(() => expect(pending.size).toBe(4));
    for (const id of ['m-1', 'm-2', 'm-3']) pending.get(id)?.resolve();
    await again;
    expect(consumer.checkpointOf('0')).toBe(3);
  });

  it('with a fake EventHubConsumerClient: skips non-telemetry and unmappable events but checkpoints past them', async () => {
    const sink = new RecordingSink();
    const { consumer, source, logs } = await started(makeSource(), sink);
    consumer.publish('0', telemetry('gw-a', 'm-0'));
    consumer.publish('0', { ...telemetry('gw-a', 'twin'), systemProperties: { 'iothub-message-source': 'twinChangeEvents' } });
    consumer.publish('0', { ...telemetry('gw-a', 'bad'), systemProperties: { messageId: 'bad' } });
    consumer.publish('0', telemetry('gw-a', 'm-1'));
    await consumer.drain();
    expect(sink.order).toEqual(['m-0', 'm-1']);
    expect(consumer.checkpointOf('0')).toBe(3);
    expect(source.stats()).toMatchObject({ ignored: 1, invalid: 1, accepted: 2 });
    expect(logs.some((l) => l.level === 'warn' && /not device telemetry/.test(l.msg))).toBe(true);
  });

  it('with a fake EventHubConsumerClient: stop lets a batch in flight finish and checkpoint, and hands nothing more to the sink', async () => {
    let release: () => void = () => {};
    const seen: string[] = [];
    const sink: IngestSink = {
      accept: async (msg) => {
        seen.push(msg.system.messageId ?? '');
        if (seen.length === 1) await new Promise<void>((r) => (release = r));
      },
      close: async () => {},
    };
    const { consumer, source } = await started(makeSource(settings({ eventHub: { sinkConcurrency: 1 } })), sink);
    for (let i = 0; i < 3; i++) consumer.publish('0', telemetry('gw-a', `m-${i}`));
    const pumping = consumer.pumpOnce('0');
    await vi.waitFor(() => expect(seen).toEqual(['m-0']));
    const stopping = source.stop();
    release();
    await stopping;
    await pumping;
    expect(seen).toEqual(['m-0']);
    expect(consumer.checkpointOf('0')).toBe(0);
    expect(consumer.closed).toBe(true);
  });

  it('refuses a second start', async () => {
    const parts = await started(makeSource(), new RecordingSink());
    await expect(parts.source.start(new RecordingSink())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await parts.source.stop();
    await expect(parts.source.start(new RecordingSink())).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });
});

describe('AzureHubSource connection events', () => {
  it('with a fake EventHubConsumerClient: routed connection state events reach listeners once, even when redelivered', async () => {
    const sink = new RecordingSink();
    const { consumer, source } = await started(makeSource(settings({ eventHub: { sinkConcurrency: 1 } })), sink);
    const events: DeviceConnectionEvent[] = [];
    const off = source.onConnection((e) => events.push(e));
    source.onConnection(() => {
      throw new Error('a broken listener does not stop the others');
    });
    consumer.publish('0', connectionEvent('gw-a', true, '01'));
    consumer.publish('0', telemetry('gw-a', 'm-0'));
    consumer.publish('0', connectionEvent('gw-a', false, '02'));
    sink.refuse.set('m-0', 2);
    await consumer.drain();
    expect(consumer.restarts).toBe(1);
    expect(events.map((e) => [e.deviceId, e.connected])).toEqual([
      ['gw-a', true],
      ['gw-a', false],
    ]);
    off();
    consumer.publish('0', connectionEvent('gw-a', true, '03'));
    await consumer.drain();
    expect(events).toHaveLength(2);
  });

  it('with a fake Registry: poll mode reports changes of connectionState between polls', async () => {
    vi.useFakeTimers();
    const parts = makeSource(settings({ connection: { mode: 'poll', pollIntervalS: 30 } }));
    parts.registry.addDevice('gw-a', true);
    parts.registry.addDevice('gw-b', false);
    const events: DeviceConnectionEvent[] = [];
    parts.source.onConnection((e) => events.push(e));
    await started(parts, new RecordingSink());
    await vi.waitFor(() => expect(events.map((e) => [e.deviceId, e.connected])).toEqual([['gw-a', true]]));
    parts.registry.setConnected('gw-a', false);
    parts.registry.setConnected('gw-b', true);
    parts.registry.queryFailures = 1;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(events).toHaveLength(1);
    expect(parts.logs.some((l) => /poll failed/.test(l.msg))).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(events.slice(1).map((e) => [e.deviceId, e.connected])).toEqual([
      ['gw-a', false],
      ['gw-b', true],
    ]);
  });

  it('with a fake EventHubConsumerClient: poll mode ignores routed connection events', async () => {
    const parts = await started(makeSource(settings({ connection: { mode: 'poll', pollIntervalS: 3600 } })), new RecordingSink());
    const events: DeviceConnectionEvent[] = [];
    parts.source.onConnection((e) => events.push(e));
    parts.consumer.publish('0', connectionEvent('gw-z', true, '01'));
    await parts.consumer.drain();
    expect(events).toEqual([]);
    expect(parts.source.stats().connectionEvents).toBe(1);
  });
});

describe('AzureHubSource twins (with a fake Registry)', () => {
  it('with a fake Registry: getTwin maps the document; an unknown device is DeviceNotFoundError', async () => {
    const { source, registry } = makeSource();
    registry.addDevice('gw-a');
    expect(await source.getTwin('gw-a')).toEqual({ deviceId: 'gw-a', desired: { $version: 1 }, reported: { $version: 1 } });
    await expect(source.getTwin('gw-x')).rejects.toBeInstanceOf(DeviceNotFoundError);
  });

  it('with a fake Registry: updateDesired merges with etag *, deletes on null, and returns the new twin', async () => {
    const { source, registry } = makeSource();
    registry.addDevice('gw-a');
    await source.updateDesired('gw-a', { uplink: { paused: true, inflight: 4 }, rules: 'v1' });
    const twin = await source.updateDesired('gw-a', { uplink: { inflight: null }, rules: null });
    expect(twin).toEqual({ deviceId: 'gw-a', desired: { uplink: { paused: true }, $version: 3 }, reported: { $version: 1 } });
    expect(registry.updates.map((u) => u.etag)).toEqual(['*', '*']);
    expect(registry.updates[1]?.patch).toEqual({ properties: { desired: { uplink: { inflight: null }, rules: null } } });
  });

  it('with a fake Registry: a patch IoT Hub would refuse fails before any call', async () => {
    const { source, registry } = makeSource();
    registry.addDevice('gw-a');
    await expect(source.updateDesired('gw-a', { 'a.b': 1 })).rejects.toBeInstanceOf(TwinPatchError);
    expect(registry.updates).toEqual([]);
  });
});

describe('AzureHubSource direct methods and C2D (with a fake service Client)', () => {
  it('with a fake service Client: invokeMethod sends the hub timeouts and maps the device answer', async () => {
    const { source, service } = makeSource(settings({ methods: { connectTimeoutS: 10 } }));
    service.onMethod = async (_id, p) => ({ status: 200, payload: { echo: p.payload } });
    expect(await source.invokeMethod('gw-a', 'flushJournal', { lane: 'alerts' }, 20)).toEqual({ status: 200, payload: { echo: { lane: 'alerts' } } });
    expect(service.invocations[0]).toEqual({
      deviceId: 'gw-a',
      params: { methodName: 'flushJournal', payload: { lane: 'alerts' }, responseTimeoutInSeconds: 20, connectTimeoutInSeconds: 10 },
    });
    await source.invokeMethod('gw-a', 'ping', undefined, 1);
    expect(service.invocations[1]?.params).toMatchObject({ payload: null, responseTimeoutInSeconds: 5 });
  });

  it("with a fake service Client: the hub's 504 and 404103 (device offline) become METHOD_TIMEOUT, 404001 DEVICE_NOT_FOUND", async () => {
    const { source, service } = makeSource();
    service.onMethod = async () => {
      throw fakeHubHttpError('GatewayTimeoutError', 504, '{"errorCode":504101}');
    };
    await expect(source.invokeMethod('gw-a', 'reboot', null, 10)).rejects.toMatchObject({ name: 'MethodTimeoutError', timeoutS: 10 });
    service.onMethod = async () => {
      throw fakeHubHttpError('Error', 404, JSON.stringify({ Message: JSON.stringify({ errorCode: 404103 }) }));
    };
    await expect(source.invokeMethod('gw-a', 'reboot', null, 10)).rejects.toMatchObject({ code: 'METHOD_TIMEOUT', message: expect.stringMatching(/not connected/) });
    service.onMethod = async () => {
      throw fakeHubHttpError('Error', 404, '{"Message":"{\\"errorCode\\":404001}"}');
    };
    await expect(source.invokeMethod('gw-x', 'reboot', null, 10)).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND', deviceId: 'gw-x' });
  });

  it('with a fake service Client: a device that never answers is given up at the caller deadline', async () => {
    const { source, service } = makeSource();
    service.onMethod = () => new Promise(() => {});
    await expect(source.invokeMethod('gw-a', 'slow', null, 0.05)).rejects.toBeInstanceOf(MethodTimeoutError);
    await expect(source.invokeMethod('gw-a', '', null, 5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('with a fake service Client: sendC2D sends body, properties and a message id; oversized bodies fail first', async () => {
    const { source, service } = makeSource();
    await source.sendC2D('gw-a', '{"cmd":"resync"}', { kind: 'command' });
    await source.sendC2D('gw-b', new Uint8Array([9, 8]));
    expect(service.sent[0]?.deviceId).toBe('gw-a');
    expect(service.sent[0]?.message.data.toString()).toBe('{"cmd":"resync"}');
    expect(service.sent[0]?.message.properties).toEqual([['kind', 'command']]);
    expect(service.sent[0]?.message.messageId).not.toBe(service.sent[1]?.message.messageId);
    await expect(source.sendC2D('gw-a', new Uint8Array(64 * 1024 + 1))).rejects.toBeInstanceOf(C2DMessageError);
    service.onSend = async () => {
      throw fakeHubHttpError('DeviceNotFoundError', 404, '{"Message":"ErrorCode:DeviceNotFound;x"}');
    };
    await expect(source.sendC2D('gw-x', 'x')).rejects.toBeInstanceOf(DeviceNotFoundError);
    service.onSend = async () => {
      throw fakeHubHttpError('TooManyDevicesError', 403, '{"Message":"ErrorCode:DeviceMaximumQueueDepthExceeded;queue full"}');
    };
    await expect(source.sendC2D('gw-a', 'x')).rejects.toBeInstanceOf(C2DQueueFullError);
    expect(service.sent).toHaveLength(2);
  });

  it('with a fake service Client: stop closes the service client and the consumer', async () => {
    const parts = await started(makeSource(), new RecordingSink());
    await parts.source.stop();
    expect(parts.service.closed).toBe(true);
    expect(parts.consumer.closed).toBe(true);
  });
});
