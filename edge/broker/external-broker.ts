import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { Static } from '@sinclair/typebox';
import type { ExternalBrokerSettings } from '../settings.ts';
import { canPublish, type Principal } from './acl.ts';
import type { PublishHandler } from './sensor-broker.ts';

/**
 * External broker mode: the truck already runs a broker (e.g. Mosquitto). The gateway is a persistent-session
 * QoS 1 subscriber there and acknowledges each message only after storing it: MQTT.js sends the PUBACK when the
 * `handleMessage` callback is called, so the callback waits for the journal. The broker keeps unacknowledged
 * messages for the session while the gateway is down.
 */
export async function attachExternalBroker(
  s: Static<typeof ExternalBrokerSettings>,
  vehicle: string,
  onPublish: PublishHandler,
  log: Logger,
): Promise<() => Promise<void>> {
  const who: Principal = { role: 'anonymous', vehicle };
  const client = mqtt.connect(s.url, {
    clientId: s.clientId,
    clean: false,
    reconnectPeriod: 1000,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
  });
  client.handleMessage = (packet, callback) => {
    const topic = packet.topic;
    const decision = canPublish(who, topic);
    if (!decision.ok) {
      // Not ours to store (another vehicle, a reserved topic): acknowledged so the broker does not resend it forever.
      log.warn({ topic, reason: decision.reason }, 'external message ignored');
      return callback();
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    onPublish(who, topic, payload, packet.qos, (err) => {
      if (!err) return callback();
      // No PUBACK: drop the connection so the broker redelivers from the session.
      log.error({ topic, err: err.message }, 'external message not stored; reconnecting');
      client.stream.destroy();
    });
  };
  client.on('connect', (ack) => {
    log.info({ url: s.url, sessionPresent: ack.sessionPresent }, 'attached to external broker');
    client.subscribe(s.topics, { qos: 1 });
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'external broker error'));
  return async () => {
    await client.endAsync();
  };
}
