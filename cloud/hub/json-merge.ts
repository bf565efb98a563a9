/**
 * JSON merge patches (RFC 7396) as twins use them: objects merge, `null` deletes, anything else replaces. Pure.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns `target` with `patch` applied; neither argument is modified. */
export function applyMergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v)) out[k] = applyMergePatch(isPlainObject(out[k]) ? out[k] : {}, v);
    else out[k] = v;
  }
  return out;
}

/**
 * The merge patch that turns `from` into `to` exactly (deleted keys become null). Used to bring a device that
 * missed desired patches while it was away up to date in one message.
 */
export function diffMergePatch(from: JsonObject, to: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  for (const [k, v] of Object.entries(to)) {
    const prev = from[k];
    if (isPlainObject(v) && isPlainObject(prev)) {
      const sub = diffMergePatch(prev, v);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (!deepEqual(prev, v)) {
      out[k] = v;
    }
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Twin documents reserve `$`-prefixed keys for the hub ($version, $metadata): a patch may not set them. */
export function stripReserved(patch: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) if (!k.startsWith('$')) out[k] = v;
  return out;
}
