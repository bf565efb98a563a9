/**
 * Outgoing messages, including those a persistent session redelivers after a reconnect: a cloud-to-device message
 * past its expiry time is dropped instead of delivered.
 */
import type { AedesPublishPacket, Client } from 'aedes';
import { c2dExpiryOf } from '../topics.ts';

export function makeAuthorizeForward(now: () => number = Date.now) {
  return (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
    if (packet.topic.startsWith(`devices/${client.id}/messages/devicebound/`)) {
      const exp = c2dExpiryOf(packet.topic);
      if (exp !== undefined && exp <= now()) return null;
    }
    return packet;
  };
}
