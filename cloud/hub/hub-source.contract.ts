/**
 * The HubSource contract, written once and run against every implementation: the embedded endpoint
 * (test/hub/embedded-contract.test.ts) and real Azure IoT Hub (skipped without credentials). Devices are real
 * azure-iot-device clients over MQTT/TLS, so what passes here works for the gateways.
 *
 * Usage, inside a vitest test file:
 *   hubSourceContract('embedded', makeHarness);
 *   hubSourceContract('azure', makeAzureHarness, { skip: !process.env.IOTHUB_CONNECTION_STRING && 'no IoT Hub credentials' });
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import type { HubSource } from './hub-source.ts';
import type { HubTelemetry, IngestSink } from './ingest-sink.ts';

type DeviceClient = InstanceType<typeof deviceSdk.Client>;
type DeviceClientOptions = Parameters<DeviceClient['setOptions']>[0];

export interface ContractDevice {
  deviceId: string;
  connectionString: string;
}

export interface HubSourceHarness {
  /** Not started yet: the suite starts it with its own recording sink. */
  source: HubSource;
  /** Registers a fresh device; called after `source.start`. Ids should be unique per run. */
  createDevice(label: string): Promise<ContractDevice>;
  /** Passed to `client.setOptions` of every device client (e.g. `{ ca }` for a local endpoint). */
  deviceOptions?: DeviceClientOptions;
  /** Timeout for calls that are expected to time out (seconds). Default 2. */
  methodTimeoutS?: number;
  /** How long telemetry, C2D and connection notices may take to come through. Default 15 s. */
  deliveryWaitMs?: number;
  /** Deletes devices and other per-run resources. */
  dispose(): Promise<void>;
}

export interface ContractOptions {
  /** Skip the whole suite, e.g. when credentials are missing; a string says why. */
  skip?: boolean | string;
}

/** The sink the suite starts the source with: it records what arrives. */
class RecordingSink implements IngestSink {
  readonly messages: HubTelemetry[] = [];
  async accept(msg: HubTelemetry): Promise<void> {
    this.messages.push(msg);
  }
  async close(): Promise<void> {}
}

async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const codeOf = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

export function hubSourceContract(name: string, makeHarness: () => Promise<HubSourceHarness>, opts: ContractOptions = {}): void {
  const suite = opts.skip ? describe.skip : describe;
  suite(`HubSource contract: ${name}${typeof opts.skip === 'string' ? ` (skipped: ${opts.skip})` : ''}`, () => {
    let h: HubSourceHarness;
    let source: HubSource;
    const sink = new RecordingSink();
    const clients: DeviceClient[] = [];
    const run = randomUUID().slice(0, 8);
    let waitMs = 15_000;

    const connect = async (dev: ContractDevice): Promise<DeviceClient> => {
      const client = deviceSdk.Client.fromConnectionString(dev.connectionString, mqttTransport.Mqtt);
      if (h.deviceOptions) await client.setOptions(h.deviceOptions);
      await client.open();
      clients.push(client);
      return client;
    };
    const close = async (client: DeviceClient): Promise<void> => {
      await Promise.race([client.close().catch(() => undefined), sleep(5000)]);
    };
    const device = (label: string): Promise<ContractDevice> => h.createDevice(`${label}-${run}`);

    beforeAll(async () => {
      h = await makeHarness();
      source = h.source;
      waitMs = h.deliveryWaitMs ?? 15_000;
      await source.start(sink);
    });

    afterAll(async () => {
      for (const c of clients) await close(c);
      await source?.stop();
      await h?.dispose();
    });

    it('delivers telemetry to the sink with system and user properties, body unchanged', async () => {
      const dev = await device('telemetry');
      const client = await connect(dev);
      const body = Buffer.from(JSON.stringify({ v: 2, temp: -18.5, text: 'Grüße' }));
      const msg = new deviceSdk.Message(body);
      msg.messageId = `mid-${run}`;
      msg.correlationId = `cid-${run}`;
      msg.contentType = 'application/json';
      msg.contentEncoding = 'utf-8';
      msg.properties.add('lane', 'telemetry');
      msg.properties.add('batch id', 'a&b=c');
      await client.sendEvent(msg);
      const got = await eventually('the message in the sink', () => sink.messages.find((m) => m.deviceId === dev.deviceId), waitMs);
      expect(Buffer.from(got.body).equals(body)).toBe(true);
      expect(got.system).toMatchObject({ messageId: `mid-${run}`, correlationId: `cid-${run}`, contentType: 'application/json', contentEncoding: 'utf-8' });
      expect(got.properties).toMatchObject({ lane: 'telemetry', 'batch id': 'a&b=c' });
      expect(got.enqueuedAt).toBeGreaterThan(Date.now() - 10 * 60_000);
      await close(client);
    });

    it('keeps twins: versioned reported properties from the device, desired merged and pushed to it', async () => {
      const dev = await device('twin');
      const client = await connect(dev);
      const twin = await client.getTwin();
      const before = await source.getTwin(dev.deviceId);
      expect(before.deviceId).toBe(dev.deviceId);
      expect(typeof before.desired.$version).toBe('number');

      await new Promise<void>((resolve, reject) => twin.properties.reported.update({ firmware: '2.1.0', cold: { zones: 2 } }, (e?: Error) => (e ? reject(e) : resolve())));
      const reported = await eventually('reported properties', async () => {
        const t = await source.getTwin(dev.deviceId);
        return t.reported.firmware === '2.1.0' ? t : undefined;
      }, waitMs);
      expect(reported.reported).toMatchObject({ cold: { zones: 2 } });
      expect(reported.reported.$version).toBeGreaterThan(before.reported.$version);

      const seen: Record<string, unknown>[] = [];
      twin.on('properties.desired', (delta: Record<string, unknown>) => seen.push(JSON.parse(JSON.stringify(delta)) as Record<string, unknown>));
      await eventually('the first desired document', () => seen.length > 0, waitMs);
      const first = await source.updateDesired(dev.deviceId, { sampleRateS: 10, alarms: { high: -15, low: -25 } });
      expect(first.desired).toMatchObject({ sampleRateS: 10, alarms: { high: -15, low: -25 } });
      const second = await source.updateDesired(dev.deviceId, { alarms: { low: null }, sampleRateS: 5 });
      expect(second.desired.$version).toBeGreaterThan(first.desired.$version);
      expect(second.desired).toMatchObject({ sampleRateS: 5, alarms: { high: -15 } });
      expect((second.desired.alarms as Record<string, unknown>).low).toBeUndefined();
      await eventually('the desired patches on the device', () => seen.some((d) => d.sampleRateS === 5), waitMs);
      // The device's own copy, merged from what it was sent, matches the service view.
      expect(twin.properties.desired.sampleRateS).toBe(5);
      expect(twin.properties.desired.alarms.high).toBe(-15);
      await close(client);
    });

    it('invokes a direct method and returns the device status and payload', async () => {
      const dev = await device('method');
      const client = await connect(dev);
      client.onDeviceMethod('setMode', (req, res) => {
        void res.send(201, { echoed: req.payload, method: req.methodName });
      });
      // The method subscription is set up asynchronously after onDeviceMethod.
      const result = await eventually('a method answer', () => source.invokeMethod(dev.deviceId, 'setMode', { mode: 'eco' }, 10).catch(() => undefined), waitMs);
      expect(result).toEqual({ status: 201, payload: { echoed: { mode: 'eco' }, method: 'setMode' } });
      await close(client);
    });

    it('times out a method the device has no handler for', async () => {
      const dev = await device('nohandler');
      const client = await connect(dev);
      client.onDeviceMethod('known', (_req, res) => void res.send(200, null));
      await eventually('the method subscription', () => source.invokeMethod(dev.deviceId, 'known', null, 10).catch(() => undefined), waitMs);
      const err = await source.invokeMethod(dev.deviceId, 'unknownMethod', {}, h.methodTimeoutS ?? 2).then(() => undefined, (e: unknown) => e);
      expect(codeOf(err)).toBe('METHOD_TIMEOUT');
      await close(client);
    });

    it('fails a method to a device that is not connected', async () => {
      const dev = await device('offline');
      const err = await source.invokeMethod(dev.deviceId, 'anything', {}, h.methodTimeoutS ?? 2).then(() => undefined, (e: unknown) => e);
      expect(['METHOD_TIMEOUT', 'DEVICE_NOT_ONLINE']).toContain(codeOf(err));
    });

    it('delivers a cloud-to-device message with its properties', async () => {
      const dev = await device('c2d');
      const client = await connect(dev);
      const received: { data: string; props: Record<string, string> }[] = [];
      client.on('message', (m) => {
        const props: Record<string, string> = {};
        for (let i = 0; i < m.properties.count(); i++) {
          const p = m.properties.getItem(i);
          if (p) props[p.key] = p.value;
        }
        received.push({ data: m.data.toString(), props });
        void client.complete(m);
      });
      await sleep(300);
      await source.sendC2D(dev.deviceId, JSON.stringify({ cmd: 'defrost' }), { kind: 'command' });
      const got = await eventually('the C2D message', () => received[0], waitMs);
      expect(got.data).toBe('{"cmd":"defrost"}');
      expect(got.props.kind).toBe('command');
      await close(client);
    });

    it('queues a cloud-to-device message for an offline device and delivers it when it connects', async () => {
      const dev = await device('c2d-offline');
      // Connect once so the device has a session, then go away.
      await close(await connect(dev));
      await source.sendC2D(dev.deviceId, 'while-you-were-out');
      const client = deviceSdk.Client.fromConnectionString(dev.connectionString, mqttTransport.Mqtt);
      if (h.deviceOptions) await client.setOptions(h.deviceOptions);
      const received: string[] = [];
      client.on('message', (m) => {
        received.push(m.data.toString());
        void client.complete(m);
      });
      await client.open();
      clients.push(client);
      await eventually('the queued C2D message', () => received.includes('while-you-were-out'), waitMs);
      await close(client);
    });

    it('reports device connections and disconnections', async () => {
      const dev = await device('presence');
      const events: { connected: boolean }[] = [];
      const off = source.onConnection((e) => {
        if (e.deviceId === dev.deviceId) events.push({ connected: e.connected });
      });
      const client = await connect(dev);
      await eventually('a connect notice', () => events.some((e) => e.connected), waitMs);
      await close(client);
      await eventually('a disconnect notice', () => events.some((e) => !e.connected), waitMs);
      off();
    });

    it('refuses twin and method calls for an unknown device', async () => {
      const ghost = `ghost-${run}`;
      expect(codeOf(await source.getTwin(ghost).catch((e: unknown) => e))).toBe('DEVICE_NOT_FOUND');
      expect(codeOf(await source.updateDesired(ghost, { a: 1 }).catch((e: unknown) => e))).toBe('DEVICE_NOT_FOUND');
      expect(codeOf(await source.invokeMethod(ghost, 'm', {}, h.methodTimeoutS ?? 2).catch((e: unknown) => e))).toBe('DEVICE_NOT_FOUND');
    });
  });
}
