import type { Twin } from '../hub-source.ts';
import { TwinPatchError } from './errors.ts';

/** IoT Hub's twin document limits (device twin docs): keys, depth, string values, and the desired section size. */
export const TWIN_LIMITS = { keyBytes: 1024, depth: 10, stringBytes: 4096, sectionBytes: 32 * 1024 } as const;

// Control characters (C0, C1), '.', '$' and space are not allowed in twin keys.
const BAD_KEY_CHAR = /[\u0000-\u001f\u007f-\u009f.$ ]/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Size as IoT Hub counts it: key bytes plus value bytes; numbers 8, booleans 4, nested objects summed. */
function measure(value: unknown, path: string, depth: number): number {
  if (value === null) return 0;
  if (typeof value === 'string') {
    const n = Buffer.byteLength(value, 'utf8');
    if (n > TWIN_LIMITS.stringBytes) throw new TwinPatchError(path, `string of ${n} bytes exceeds ${TWIN_LIMITS.stringBytes}`);
    return n;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TwinPatchError(path, 'number is not finite');
    return 8;
  }
  if (typeof value === 'boolean') return 4;
  if (Array.isArray(value)) {
    return value.reduce<number>((sum, item, i) => sum + measure(item, `${path}/${i}`, depth + 1), 0);
  }
  if (isPlainObject(value)) {
    if (depth > TWIN_LIMITS.depth) throw new TwinPatchError(path, `nesting deeper than ${TWIN_LIMITS.depth}`);
    let sum = 0;
    for (const [key, v] of Object.entries(value)) {
      const keyPath = `${path}/${key}`;
      if (key === '') throw new TwinPatchError(keyPath, 'empty key');
      if (BAD_KEY_CHAR.test(key)) throw new TwinPatchError(keyPath, "key contains '.', '$', a space or a control character");
      const kb = Buffer.byteLength(key, 'utf8');
      if (kb > TWIN_LIMITS.keyBytes) throw new TwinPatchError(keyPath, `key of ${kb} bytes exceeds ${TWIN_LIMITS.keyBytes}`);
      sum += kb + measure(v, keyPath, depth + 1);
    }
    return sum;
  }
  throw new TwinPatchError(path, `${typeof value} is not a JSON value`);
}

/**
 * Builds the twin PATCH body for a desired-properties merge. A null value deletes the key. Checks the limits
 * IoT Hub enforces, so a bad patch fails here with the path of the offending key instead of as a bare HTTP 400.
 */
export function buildDesiredPatch(patch: Record<string, unknown>): { properties: { desired: Record<string, unknown> } } {
  if (!isPlainObject(patch)) throw new TwinPatchError('', 'patch must be a JSON object');
  // Top-level $version / $metadata are IoT Hub's bookkeeping (a twin read back and patched carries them): dropped,
  // as the embedded endpoint does. A '$' anywhere else is an error.
  const own = Object.fromEntries(Object.entries(patch).filter(([k]) => !k.startsWith('$')));
  const size = measure(own, '', 1);
  if (size > TWIN_LIMITS.sectionBytes) throw new TwinPatchError('', `patch of ${size} bytes exceeds the ${TWIN_LIMITS.sectionBytes}-byte desired section`);
  return { properties: { desired: structuredClone(own) } };
}

/** The twin sections without IoT Hub's bookkeeping ($metadata); $version stays. */
function section(raw: unknown): Record<string, unknown> & { $version: number } {
  const src = isPlainObject(raw) ? raw : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k !== '$metadata') out[k] = v;
  }
  const version = typeof src.$version === 'number' ? src.$version : 0;
  return { ...out, $version: version };
}

/** Maps the registry's twin document ({ deviceId, properties: { desired, reported }, ... }) to the hub Twin. */
export function toTwin(raw: unknown, fallbackDeviceId: string): Twin {
  const doc = isPlainObject(raw) ? raw : {};
  const props = isPlainObject(doc.properties) ? doc.properties : {};
  return {
    deviceId: typeof doc.deviceId === 'string' && doc.deviceId ? doc.deviceId : fallbackDeviceId,
    desired: section(props.desired),
    reported: section(props.reported),
  };
}
