/**
 * The one msgpack configuration for sensor payloads, so decoder and encoder agree.
 * Plain msgpack maps (no msgpackr records) so any sensor's msgpack library can produce and read them;
 * 64-bit integers as numbers because epoch milliseconds exceed 32 bits and the contracts want numbers.
 */
import { Packr, Unpackr } from 'msgpackr';

export const sensorUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
export const sensorPackr = new Packr({ useRecords: false, variableMapSize: true });
