/**
 * The connected devices and how to reach one of them. `$iothub/...` topics do not name the device, so the hub never
 * publishes through the broker's routing (that would reach every device subscribed to the same filter): it writes to
 * the one client's connection.
 */
import type { Client } from 'aedes';
import { c2dFilter, DESIRED_FILTER, METHODS_FILTER, TWIN_RESPONSE_FILTER, type SubscriptionKind } from './topics.ts';

/** aedes keeps the client's live subscriptions (also those restored from a persistent session) on the client. */
type ClientWithSubscriptions = Client & { subscriptions?: Record<string, unknown> };

export class DeviceLinks {
  private online = new Map<string, Client>();

  attach(client: Client): void {
    this.online.set(client.id, client);
  }

  /** True when this client was the device's current connection (a takeover leaves the newer one in place). */
  detach(client: Client): boolean {
    if (this.online.get(client.id) !== client) return false;
    this.online.delete(client.id);
    return true;
  }

  get(deviceId: string): Client | undefined {
    const c = this.online.get(deviceId);
    return c && !c.closed ? c : undefined;
  }

  entries(): IterableIterator<[string, Client]> {
    return this.online.entries();
  }

  get size(): number {
    return this.online.size;
  }

  subscribed(client: Client, kind: SubscriptionKind): boolean {
    const subs = (client as ClientWithSubscriptions).subscriptions;
    if (!subs) return false;
    const filter =
      kind === 'c2d' ? c2dFilter(client.id) : kind === 'desired' ? DESIRED_FILTER : kind === 'methods' ? METHODS_FILTER : TWIN_RESPONSE_FILTER;
    return Object.hasOwn(subs, filter);
  }

  /** Writes one message to this client only. Resolves once aedes has handed it to the socket (or queued it). */
  publish(client: Client, topic: string, payload: Buffer, qos: 0 | 1): Promise<void> {
    return new Promise((resolve, reject) => {
      client.publish({ cmd: 'publish', topic, payload, qos, retain: false, dup: false }, (err?: Error) => (err ? reject(err) : resolve()));
    });
  }
}
