/**
 * MQTT topics between sensors, the gateway and in-cab displays:
 *   fleet/{vehicle}/{sensor}/reading | position   sensor -> gateway
 *   fleet/{vehicle}/alerts/{alertId}               gateway -> displays (retained; an empty payload clears)
 *   fleet/{vehicle}/c2d                            gateway -> displays (cloud-to-device messages)
 */

/** Vehicle and sensor ids in topics: no '/', '+', '#' or '$' can appear, so an id can never widen a topic. */
export const TOPIC_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Sensor ids that would collide with the gateway's own topics: a sensor called "alerts" could otherwise publish
 * fake alerts to the cab, since sensors may publish under fleet/{vehicle}/{sensor}/#.
 */
export const RESERVED_SENSOR_IDS: ReadonlySet<string> = new Set(['alerts', 'c2d']);

export type SensorTopicKind = 'reading' | 'position';

export interface ParsedTopic {
  vehicle: string;
  sensor: string;
  kind: SensorTopicKind;
}

export const isTopicId = (s: string): boolean => TOPIC_ID_PATTERN.test(s);
export const isSensorId = (s: string): boolean => isTopicId(s) && !RESERVED_SENSOR_IDS.has(s);

/** `fleet/{vehicle}/{sensor}/{reading|position}`, or null for anything else. Never throws. */
export function parseSensorTopic(topic: string): ParsedTopic | null {
  if (typeof topic !== 'string' || topic.length > 200) return null;
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'fleet') return null;
  const [, vehicle, sensor, kind] = parts as [string, string, string, string];
  if (kind !== 'reading' && kind !== 'position') return null;
  if (!isTopicId(vehicle) || !isSensorId(sensor)) return null;
  return { vehicle, sensor, kind };
}

function requireId(what: string, id: string, valid: (s: string) => boolean): void {
  if (!valid(id)) throw new RangeError(`${what} ${JSON.stringify(id)} is not a valid topic id`);
}

/** Where a sensor publishes. Throws RangeError on an invalid id (a programming error in the caller). */
export function sensorTopic(vehicle: string, sensor: string, kind: SensorTopicKind): string {
  requireId('vehicle', vehicle, isTopicId);
  requireId('sensor', sensor, isSensorId);
  return `fleet/${vehicle}/${sensor}/${kind}`;
}

/**
 * Where the gateway publishes one alert's current state (retained). Alert ids may contain ':' (see the contracts),
 * which is a legal topic character; '/', '+', '#' are refused.
 */
export function alertTopic(vehicle: string, alertId: string): string {
  requireId('vehicle', vehicle, isTopicId);
  requireId('alert id', alertId, (s) => /^[A-Za-z0-9._:-]{1,64}$/.test(s));
  return `fleet/${vehicle}/alerts/${alertId}`;
}

/** What a display subscribes to for its vehicle's alerts. */
export function alertsFilter(vehicle: string): string {
  requireId('vehicle', vehicle, isTopicId);
  return `fleet/${vehicle}/alerts/#`;
}

export function c2dTopic(vehicle: string): string {
  requireId('vehicle', vehicle, isTopicId);
  return `fleet/${vehicle}/c2d`;
}
