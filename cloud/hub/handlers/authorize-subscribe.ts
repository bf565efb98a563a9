/** SUBSCRIBE (and the restore of a persistent session's subscriptions): only the device's own IoT Hub topics. */
import type { Client, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { classifySubscription } from '../topics.ts';
import { RefusedError, type RefusalReason } from './refusal.ts';

export function makeAuthorizeSubscribe(deps: { log: Logger; onRefused?: (reason: RefusalReason) => void }) {
  return (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void => {
    if (classifySubscription(sub.topic, client.id) === null) {
      const detail = `device '${client.id}' subscribed to '${sub.topic}'`;
      deps.log.warn({ event: 'subscribe-refused', deviceId: client.id, reason: 'forbidden-subscription', detail }, 'subscription refused, closing the connection');
      deps.onRefused?.('forbidden-subscription');
      callback(new RefusedError('forbidden-subscription', detail));
      return;
    }
    // IoT Hub grants at most QoS 1.
    callback(null, sub.qos > 1 ? { ...sub, qos: 1 } : sub);
  };
}
