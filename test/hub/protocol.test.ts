/**
 * Wire-level guarantees with raw MQTT.js devices: PUBACK only after the sink stored the message, retries of a
 * failing sink, and answers that reach only the connection they belong to.
 */
import { describe, it, expect, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubTelemetry, IngestSink } from '../../cloud/hub/ingest-sink.ts';
import { addDevice, rawConnect, removeTempDirs, startTestHub, waitFor, type TestHub } from './support.ts';

afterAll(removeTempDirs);

/** A sink whose behaviour each test scripts. */
class ScriptedSink implements IngestSink {
  readonly stored: HubTelemetry[] = [];
  calls = 0;
  gate: Promise<void> = Promise.resolve();
  failFirst = 0;
  async accept(msg: HubTelemetry): Promise<void> {
    this.calls++;
    await this.gate;
    if (this.calls <= this.failFirst) throw new Error(`disk busy (call ${this.calls})`);
    this.stored.push(msg);
  }
  async close(): Promise<void> {}
}

async function deviceFor(t: TestHub, id: string): Promise<MqttClient> {
  await addDevice(t.hub, id);
  return rawConnect({ hub: t.hub, clientId: id, key: (await t.hub.registry.get(id))!.primaryKey });
}

describe('store before acknowledge', () => {
  it('sends the PUBACK only after the sink has stored the message', async () => {
    const sink = new ScriptedSink();
    let release!: () => void;
    sink.gate = new Promise<void>((r) => (release = r));
    const t = await startTestHub({}, sink as never);
    const c = await deviceFor(t, 'd-ack');
    let acked = false;
    const pub = c.publishAsync('devices/d-ack/messages/events/', 'x', { qos: 1 }).then(() => (acked = true));
    await waitFor('the sink to be called', () => sink.calls === 1);
    await sleep(300);
    expect(acked).toBe(false);
    release();
    await pub;
    expect(sink.stored).toHaveLength(1);
    await c.endAsync();
    await t.hub.stop();
  });

  it('retries a sink that fails for a moment, storing the message once', async () => {
    const sink = new ScriptedSink();
    sink.failFirst = 2;
    const t = await startTestHub({ sink: { attempts: 4, retryDelayMs: 10 } }, sink as never);
    const c = await deviceFor(t, 'd-retry');
    await c.publishAsync('devices/d-retry/messages/events/%24.mid=r1', 'x', { qos: 1 });
    expect(sink.stored.map((m) => m.system.messageId)).toEqual(['r1']);
    expect(t.records.filter((r) => r.msg?.includes('retrying'))).toHaveLength(2);
    await c.endAsync();
    await t.hub.stop();
  });

  it('closes the connection without a PUBACK when the sink keeps failing, so the device sends again', async () => {
    const sink = new ScriptedSink();
    sink.failFirst = 1000;
    const t = await startTestHub({ sink: { attempts: 2, retryDelayMs: 10 } }, sink as never);
    const c = await deviceFor(t, 'd-fail');
    let acked = false;
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    void c.publishAsync('devices/d-fail/messages/events/', 'x', { qos: 1 }).then(
      () => (acked = true),
      () => undefined,
    );
    await closed;
    expect(acked).toBe(false);
    expect(t.records.find((r) => r.event === 'publish-refused' && r.reason === 'sink-failed')?.deviceId).toBe('d-fail');
    c.end(true);
    await t.hub.stop();
  });
});

describe('answers go to one connection only', () => {
  it('twin answers, desired patches and method calls reach only their device, never a broadcast', async () => {
    const t = await startTestHub();
    const a = await deviceFor(t, 'dev-a');
    const b = await deviceFor(t, 'dev-b');
    const seen = { a: [] as string[], b: [] as string[] };
    a.on('message', (topic) => seen.a.push(topic));
    b.on('message', (topic) => seen.b.push(topic));
    for (const c of [a, b]) {
      await c.subscribeAsync(['$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#', '$iothub/methods/POST/#'], { qos: 0 });
    }

    a.publish('$iothub/twin/GET/?$rid=g1', '');
    a.publish('$iothub/twin/PATCH/properties/reported/?$rid=p1', JSON.stringify({ fw: '9' }));
    a.publish('$iothub/twin/PATCH/properties/reported/?$rid=p2', 'not json');
    await waitFor('twin answers for a', () => seen.a.length >= 3);
    expect(seen.a).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$iothub\/twin\/res\/200\/\?\$rid=g1$/),
        expect.stringMatching(/^\$iothub\/twin\/res\/204\/\?\$rid=p1&\$version=2$/),
        expect.stringMatching(/^\$iothub\/twin\/res\/400\/\?\$rid=p2$/),
      ]),
    );

    await t.hub.updateDesired('dev-a', { x: 1 });
    await waitFor('the desired patch for a', () => seen.a.some((s) => s.startsWith('$iothub/twin/PATCH/properties/desired/')));

    const call = t.hub.invokeMethod('dev-a', 'hello', { n: 1 }, 5);
    const methodTopic = await waitFor('the method call on a', () => seen.a.find((s) => s.startsWith('$iothub/methods/POST/hello/')));
    const rid = /\$rid=([^&]+)/.exec(methodTopic)![1]!;
    // Another device cannot answer a call that was not sent to it.
    b.publish(`$iothub/methods/res/500/?$rid=${rid}`, '{}');
    a.publish(`$iothub/methods/res/200/?$rid=${rid}`, JSON.stringify({ ok: true }));
    await expect(call).resolves.toEqual({ status: 200, payload: { ok: true } });

    await sleep(200);
    expect(seen.b).toEqual([]);
    expect((await t.hub.getTwin('dev-a')).reported).toMatchObject({ fw: '9' });
    expect((await t.hub.getTwin('dev-b')).reported).toEqual({ $version: 1 });
    await a.endAsync();
    await b.endAsync();
    await t.hub.stop();
  });
});
