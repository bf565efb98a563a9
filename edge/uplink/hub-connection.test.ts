/** The uplink's connection loop against the real embedded hub over TLS, with the real device SDK. */
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { HubConnection } from './hub-connection.ts';
import { cachedMqttNumbers } from '../../shared/mqtt/number-cache.ts';
import { addDevice, removeTempDirs, startTestHub, waitFor } from '../../test/hub/support.ts';

afterAll(removeTempDirs);

describe('HubConnection (embedded hub, real SDK)', () => {
  it("connects and leaves no number cache in the SDK's mqtt-packet, which builds one on its first CONNECT", async () => {
    const t = await startTestHub();
    const link = new HubConnection({
      connectionString: await addDevice(t.hub, 'gw-cache'),
      ca: t.hub.caPem,
      keepaliveS: 30,
      twinTimeoutMs: 5000,
      sendTimeoutMs: 5000,
      retryMinMs: 100,
      retryMaxMs: 500,
      methods: {},
      onDesired: () => undefined,
      onC2D: () => undefined,
      log: pino({ level: 'silent' }),
    });
    try {
      link.start();
      await waitFor('the link online', () => link.state === 'online');
      expect(cachedMqttNumbers()).toBe(0);
    } finally {
      await link.close();
      await t.hub.stop();
    }
  });
});
