/**
 * The inverse of decode.ts, for simulators and tests: contract bodies -> payload bytes.
 * It encodes what it is given without validating, so tests can also produce bad payloads on purpose.
 */
import type { PositionV1, PositionV2, ReadingV1, ReadingV2 } from '../contracts/types.ts';
import type { PayloadFormat } from './decode.ts';
import { sensorPackr } from './msgpack.ts';

/** A body as a sensor may send it: vehicle and sensor come from the topic, and v1 firmware omits `v`. */
type Wire<T extends { vehicle: string; sensor: string }> = Omit<T, 'vehicle' | 'sensor'> & {
  vehicle?: string;
  sensor?: string;
};
export type SensorWireBody =
  | Wire<ReadingV1>
  | (Omit<Wire<ReadingV1>, 'v'> & { v?: 1 })
  | Wire<ReadingV2>
  | Wire<PositionV1>
  | (Omit<Wire<PositionV1>, 'v'> & { v?: 1 })
  | Wire<PositionV2>;

const utf8 = new TextEncoder();

/** One object encodes as a single-object payload, an array as an array payload (even of one). */
export function encodeSensorPayload(
  items: SensorWireBody | readonly SensorWireBody[],
  format: PayloadFormat,
): Uint8Array {
  return format === 'json' ? utf8.encode(JSON.stringify(items)) : sensorPackr.pack(items);
}
