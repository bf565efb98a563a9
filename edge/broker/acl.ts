/**
 * Who may do what on the truck's broker. Pure: topic strings in, decisions out.
 * Sensors publish only under their own prefix; in-cab displays read alerts and C2D; nobody else subscribes.
 */
import { filterWithin } from '../../shared/sensor-protocol/acl.ts';

export type Principal =
  | { role: 'sensor'; vehicle: string; sensor: string }
  | { role: 'display'; vehicle: string; username: string }
  | { role: 'anonymous'; vehicle: string };

export type Decision = { ok: true } | { ok: false; reason: string };

const allow: Decision = { ok: true };
const deny = (reason: string): Decision => ({ ok: false, reason });

export function canPublish(who: Principal, topic: string): Decision {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'fleet') return deny(`topic '${topic}' is not fleet/{vehicle}/{sensor}/{kind}`);
  const [, vehicle, sensor, kind] = parts as [string, string, string, string];
  if (who.role === 'display') return deny('displays may not publish');
  if (vehicle !== who.vehicle) return deny(`vehicle '${vehicle}' is not this gateway's vehicle '${who.vehicle}'`);
  if (sensor === 'alerts' || sensor === 'c2d') return deny(`'${sensor}' is reserved for the gateway`);
  if (who.role === 'sensor' && sensor !== who.sensor) return deny(`sensor '${who.sensor}' may not publish as '${sensor}'`);
  if (kind !== 'reading' && kind !== 'position') return deny(`unknown kind '${kind}'`);
  return allow;
}

/** Topic filters a principal may subscribe to. Wildcards must stay inside the allowed subtree. */
export function canSubscribe(who: Principal, filter: string): Decision {
  const c2d = `fleet/${who.vehicle}/c2d`;
  if (who.role === 'sensor') {
    return filter === c2d ? allow : deny(`sensor '${who.sensor}' may only subscribe to ${c2d}`);
  }
  const alerts = `fleet/${who.vehicle}/alerts/#`;
  if (filter.startsWith('$') || !(filter === c2d || filterWithin(filter, alerts))) return deny(`may only subscribe within ${alerts} or to ${c2d}`);
  return allow;
}

/**
 * Whether any subscription canSubscribe allows could match `topic`: only the gateway's own alert and C2D topics.
 * The broker does not route other publishes at all, so this must widen whenever canSubscribe does.
 */
export function reachesSubscribers(vehicle: string, topic: string): boolean {
  return topic === `fleet/${vehicle}/c2d` || topic.startsWith(`fleet/${vehicle}/alerts/`);
}
