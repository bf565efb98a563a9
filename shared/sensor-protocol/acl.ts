/**
 * Who may publish and subscribe where, as pure predicates for the gateway broker's authorizers.
 *   sensor  (vehicle V, sensor S): publish under fleet/V/S/#; no subscriptions.
 *   display (vehicle V):           subscribe within fleet/V/alerts/# and to fleet/V/c2d; no publishing.
 * The gateway's own alert and C2D messages are injected by the broker itself, not by a client.
 */
import { isSensorId, isTopicId } from './topics.ts';

export type ClientIdentity =
  | { role: 'sensor'; vehicle: string; sensor: string }
  | { role: 'display'; vehicle: string };

const levels = (s: string): string[] => s.split('/');

/** A topic name to publish on: non-empty, no wildcards, no NUL, not a $-topic. */
function isPlainTopic(topic: string): boolean {
  return (
    typeof topic === 'string' &&
    topic.length > 0 &&
    topic.length <= 200 &&
    !/[+#\u0000]/.test(topic) &&
    !topic.startsWith('$')
  );
}

/** A syntactically valid MQTT filter that is not a $-topic or a shared subscription. */
function isPlainFilter(filter: string): boolean {
  if (typeof filter !== 'string' || filter.length === 0 || filter.length > 200) return false;
  if (filter.startsWith('$') || filter.includes('\u0000')) return false;
  const ls = levels(filter);
  return ls.every(
    (l, i) => (l === '#' ? i === ls.length - 1 : l === '+' || (!l.includes('+') && !l.includes('#'))),
  );
}

/** True when every topic `filter` can match is also matched by `allowed`. */
export function filterWithin(filter: string, allowed: string): boolean {
  const f = levels(filter);
  const a = levels(allowed);
  for (let i = 0; ; i++) {
    const al = a[i];
    const fl = f[i];
    if (al === '#') return true;
    if (fl === undefined || al === undefined) return fl === al;
    if (fl === '#') return false;
    if (al === '+') continue;
    if (fl === '+' || fl !== al) return false;
  }
}

export function mayPublish(who: ClientIdentity, topic: string): boolean {
  if (who.role !== 'sensor' || !isPlainTopic(topic)) return false;
  if (!isTopicId(who.vehicle) || !isSensorId(who.sensor)) return false;
  const prefix = `fleet/${who.vehicle}/${who.sensor}/`;
  return topic.startsWith(prefix) && topic.length > prefix.length;
}

export function maySubscribe(who: ClientIdentity, filter: string): boolean {
  if (who.role !== 'display' || !isPlainFilter(filter) || !isTopicId(who.vehicle)) return false;
  return filterWithin(filter, `fleet/${who.vehicle}/alerts/#`) || filter === `fleet/${who.vehicle}/c2d`;
}
