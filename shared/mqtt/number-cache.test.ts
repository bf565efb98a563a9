import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cachedMqttNumbers, dropMqttNumberCaches } from './number-cache.ts';

const require = createRequire(import.meta.url);
type Generate = ((packet: Record<string, unknown>, stream: NodeJS.WritableStream) => boolean) & { cacheNumbers: boolean };

/** The bytes mqtt-packet writes for a PUBACK of `id`, with the given copy's writeToStream. */
async function puback(write: Generate, id: number): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  write({ cmd: 'puback', messageId: id }, out);
  await new Promise((r) => setImmediate(r)); // mqtt-packet uncorks on the next tick
  return Buffer.concat(chunks);
}

describe('dropMqttNumberCaches', () => {
  it("empties the cache of aedes's mqtt-packet and of the Azure SDK's own copy, and both still write the same bytes", async () => {
    // aedes and MQTT.js use the top-level copy; the Azure SDK's MQTT.js brings an older one.
    const top = require('mqtt-packet').writeToStream as Generate;
    const azure = createRequire(require.resolve('azure-iot-mqtt-base'))('mqtt-packet').writeToStream as Generate;
    expect(azure).not.toBe(top);
    top.cacheNumbers = true;
    azure.cacheNumbers = true;
    const before = [await puback(top, 0x1234), await puback(azure, 0xbeef)];
    expect(cachedMqttNumbers()).toBe(2 * 65_536);

    expect(dropMqttNumberCaches()).toBeGreaterThanOrEqual(2);
    expect(cachedMqttNumbers()).toBe(0);
    expect(top.cacheNumbers).toBe(false);
    expect(azure.cacheNumbers).toBe(false);
    expect([await puback(top, 0x1234), await puback(azure, 0xbeef)]).toEqual(before);
    expect(before[0]).toEqual(Buffer.from([0x40, 0x02, 0x12, 0x34]));
    // Writing again does not build the cache again.
    expect(cachedMqttNumbers()).toBe(0);
  });
});
