/**
 * Repeated failed logins at the hub endpoint: after `authFailures.limit` refused CONNECTs from one address within a
 * window, that address is refused outright (CONNACK 3, reason rate-limited, logged once per window and counted)
 * without its token being checked, even a genuine one; a device already connected is not touched; when the window
 * ends the address may connect again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, addDevice, closeQuietly, openDevice, rawConnect, removeTempDirs, startTestHub, type DeviceClient, type TestHub } from '../hub/support.ts';
import { waitFor } from '../reliability/support.ts';

const LIMIT = 5;
const WINDOW_S = 2;
let t: TestHub;
let good: DeviceClient;

beforeAll(async () => {
  t = await startTestHub({ authFailures: { limit: LIMIT, windowS: WINDOW_S } });
  good = await openDevice(await addDevice(t.hub, 'truck-good'), t.hub.caPem);
  await t.hub.registry.add('truck-2');
});

afterAll(async () => {
  await closeQuietly(good);
  await t?.hub.stop();
  await removeTempDirs();
});

describe('failed CONNECTs from one address', () => {
  it('are refused outright after the limit, a connected device keeps working, and the address may try again after the window', async () => {
    const key = (await t.hub.registry.get('truck-2'))!.primaryKey;
    const wrong = Buffer.alloc(32, 1).toString('base64');
    for (let i = 0; i < LIMIT; i++) await expect(rawConnect({ hub: t.hub, clientId: 'truck-2', key: wrong })).rejects.toMatchObject({ code: 5 });
    expect(t.hub.counters.refused['wrong-key']).toBe(LIMIT);

    // Now even the genuine key is refused, with the throttling code, and the refusals are counted.
    for (let i = 0; i < 3; i++) await expect(rawConnect({ hub: t.hub, clientId: 'truck-2', key })).rejects.toMatchObject({ code: 3 });
    expect(t.hub.counters.refused['rate-limited']).toBe(3);
    expect(t.hub.counters.refused['wrong-key']).toBe(LIMIT);
    const notices = t.records.filter((r) => r.event === 'connect-refused' && r.reason === 'rate-limited');
    expect(notices).toHaveLength(3);
    // One warning per address and window; the rest at debug level, so a flood cannot flood the log.
    expect(notices.filter((r) => r.level === 40)).toHaveLength(1);
    expect(String(notices[0]!.detail)).toMatch(/too many failed connections from this address; retry in \d+ s/);
    expect(notices[0]!.address).toBe('127.0.0.1');

    // The device that was already connected is unaffected.
    const msg = new Message('still here');
    msg.messageId = 'during-block';
    await good.sendEvent(msg);
    expect(t.sink.messages.some((m) => m.system.messageId === 'during-block')).toBe(true);

    const c = await waitFor('the window to end', () => rawConnect({ hub: t.hub, clientId: 'truck-2', key }).catch(() => undefined), WINDOW_S * 1000 + 5000, 250);
    c.end(true);
  });
});
