/**
 * IoT Hub's MQTT topic names, pure: what a device publishes, what it may subscribe to, and the topics the hub
 * publishes back. Property bags (`k=v&k2=v2`, url-encoded) travel in the last topic level.
 */

export type DeviceTopic =
  | { kind: 'telemetry'; deviceId: string; propertyBag: string }
  | { kind: 'twin-get'; rid: string }
  | { kind: 'twin-patch-reported'; rid: string }
  | { kind: 'method-response'; rid: string; status: number }
  | { kind: 'unknown' };

/** What a device may subscribe to. The hub answers on these only for the connection that subscribed. */
export type SubscriptionKind = 'c2d' | 'twin-response' | 'desired' | 'methods';

export const TWIN_RESPONSE_FILTER = '$iothub/twin/res/#';
export const DESIRED_FILTER = '$iothub/twin/PATCH/properties/desired/#';
export const METHODS_FILTER = '$iothub/methods/POST/#';
export const c2dFilter = (deviceId: string): string => `devices/${deviceId}/messages/devicebound/#`;

/** Decodes one percent-encoded component; keeps the raw text when it is not valid encoding (never drops data). */
const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** `a=1&b=x%20y` -> [['a','1'],['b','x y']]. A pair without '=' gets an empty value. */
export function parsePropertyBag(bag: string): [string, string][] {
  if (bag === '') return [];
  const out: [string, string][] = [];
  for (const part of bag.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
  }
  return out;
}

export function buildPropertyBag(pairs: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [k, v] of pairs) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return parts.join('&');
}

/** The query part after `?` of `$iothub/...` topics, e.g. `$rid=7&$version=3`. */
function queryOf(level: string | undefined): Map<string, string> {
  const q = new Map<string, string>();
  if (!level?.startsWith('?')) return q;
  for (const [k, v] of parsePropertyBag(level.slice(1))) q.set(k, v);
  return q;
}

export function parseDeviceTopic(topic: string): DeviceTopic {
  const levels = topic.split('/');
  if (levels[0] === 'devices') {
    // devices/<id>/messages/events[/<bag>]
    if (levels.length >= 4 && levels.length <= 5 && levels[2] === 'messages' && levels[3] === 'events' && levels[1]) {
      return { kind: 'telemetry', deviceId: levels[1], propertyBag: levels[4] ?? '' };
    }
    return { kind: 'unknown' };
  }
  if (levels[0] !== '$iothub') return { kind: 'unknown' };
  const last = levels[levels.length - 1];
  const rid = queryOf(last).get('$rid');
  if (!rid) return { kind: 'unknown' };
  const path = levels.slice(1, -1).join('/');
  if (path === 'twin/GET') return { kind: 'twin-get', rid };
  if (path === 'twin/PATCH/properties/reported') return { kind: 'twin-patch-reported', rid };
  const m = /^methods\/res\/(\d{3})$/.exec(path);
  if (m) return { kind: 'method-response', rid, status: Number(m[1]) };
  return { kind: 'unknown' };
}

/** The kind of a subscription filter, or null when this device may not subscribe to it. */
export function classifySubscription(filter: string, deviceId: string): SubscriptionKind | null {
  if (filter === c2dFilter(deviceId)) return 'c2d';
  if (filter === TWIN_RESPONSE_FILTER) return 'twin-response';
  if (filter === DESIRED_FILTER) return 'desired';
  if (filter === METHODS_FILTER) return 'methods';
  return null;
}

export const twinResponseTopic = (status: number, rid: string, version?: number): string =>
  `$iothub/twin/res/${status}/?$rid=${encodeURIComponent(rid)}${version === undefined ? '' : `&$version=${version}`}`;

export const desiredPatchTopic = (version: number): string => `$iothub/twin/PATCH/properties/desired/?$version=${version}`;

export const methodRequestTopic = (method: string, rid: string): string =>
  `$iothub/methods/POST/${method}/?$rid=${encodeURIComponent(rid)}`;

export const c2dTopic = (deviceId: string, propertyBag: string): string => `devices/${deviceId}/messages/devicebound/${propertyBag}`;

/** Method names travel as a topic level: no separators or wildcards. */
export const isValidMethodName = (name: string): boolean => /^[^/?#+\u0000-\u001f]{1,128}$/.test(name);

/** The `$.mid` in a devicebound topic, used to match a device's PUBACK to the queued message. */
export function c2dMessageIdOf(topic: string, deviceId: string): string | undefined {
  const prefix = `devices/${deviceId}/messages/devicebound/`;
  if (!topic.startsWith(prefix)) return undefined;
  return parsePropertyBag(topic.slice(prefix.length)).find(([k]) => k === '$.mid')?.[1];
}

/** The `$.exp` (ISO time) in a devicebound topic. */
export function c2dExpiryOf(topic: string): number | undefined {
  const i = topic.lastIndexOf('/');
  const exp = parsePropertyBag(topic.slice(i + 1)).find(([k]) => k === '$.exp')?.[1];
  if (exp === undefined) return undefined;
  const t = Date.parse(exp);
  return Number.isFinite(t) ? t : undefined;
}
