/**
 * Sensor payload bytes through the shared sensor protocol's encoder (JSON or msgpack, one object or an array),
 * so the simulator writes exactly what the gateway's decoder reads. Broken firmware's items (wrong types, NaN)
 * go through the same encoder: it does not validate, and msgpack keeps NaN while JSON writes null.
 */
import { encodeSensorPayload as encodeShared, type SensorWireBody } from '../shared/sensor-protocol/encode.ts';
import type { PayloadFormat } from './sensor-spec.ts';
import type { WireItem } from './payload.ts';

export function encodeSensorPayload(body: WireItem | readonly WireItem[], format: PayloadFormat): Uint8Array {
  // The shared encoder's types describe good payloads; ours may be bad on purpose, so widen here once.
  return encodeShared(body as unknown as SensorWireBody | readonly SensorWireBody[], format);
}
