/**
 * IoT Hub shared access signatures (SAS), pure: parse, sign, verify. No I/O, no clock (callers pass `nowS`).
 * Token: `SharedAccessSignature sr=<url-encoded resource>&sig=<url-encoded base64 HMAC>&se=<unix s>[&skn=<policy>]`,
 * signed as base64(HMAC-SHA256(base64decode(key), sr_as_it_appears + "\n" + se)).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SasToken {
  /** The resource URI, decoded (e.g. `myhub.azure-devices.net/devices/truck-1`). */
  resource: string;
  /** The resource exactly as it appears in the token: the signature covers this form. */
  rawResource: string;
  /** Base64 signature, decoded from its url-encoded form. */
  signature: string;
  /** Expiry, unix seconds. */
  expiry: number;
  /** Policy name; device tokens have none. */
  keyName?: string;
}

export class SasParseError extends Error {
  override readonly name = 'SasParseError';
}

const PREFIX = 'SharedAccessSignature ';

/** Same escaping as the Azure SDKs: encodeURIComponent plus !'()*. */
export const encodeUriComponentStrict = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function parseSasToken(token: string): SasToken {
  if (!token.startsWith(PREFIX)) throw new SasParseError('not a SharedAccessSignature token');
  const fields = new Map<string, string>();
  for (const part of token.slice(PREFIX.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SasParseError(`malformed field '${part.slice(0, 20)}'`);
    const key = part.slice(0, eq);
    if (fields.has(key)) throw new SasParseError(`field '${key}' appears twice`);
    fields.set(key, part.slice(eq + 1));
  }
  const rawResource = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  if (!rawResource || !sig || !se) throw new SasParseError('sr, sig and se are required');
  if (!/^\d{1,12}$/.test(se)) throw new SasParseError('se is not a unix time in seconds');
  let resource: string;
  let signature: string;
  let keyName: string | undefined;
  try {
    resource = decodeURIComponent(rawResource);
    signature = decodeURIComponent(sig);
    const skn = fields.get('skn');
    keyName = skn === undefined ? undefined : decodeURIComponent(skn);
  } catch {
    throw new SasParseError('bad percent-encoding');
  }
  return { resource, rawResource, signature, expiry: Number(se), ...(keyName !== undefined ? { keyName } : {}) };
}

export function sasSignature(keyBase64: string, rawResource: string, expiry: number): string {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(`${rawResource}\n${expiry}`).digest('base64');
}

/** Builds a token the way the device SDK does. `resource` is the decoded URI. */
export function signSasToken(resource: string, keyBase64: string, expiry: number, keyName?: string): string {
  const sr = encodeUriComponentStrict(resource);
  const sig = encodeUriComponentStrict(sasSignature(keyBase64, sr, expiry));
  return `${PREFIX}sr=${sr}&sig=${sig}&se=${expiry}${keyName ? `&skn=${encodeUriComponentStrict(keyName)}` : ''}`;
}

/** Index of the key that signed the token, or -1. Constant-time per key. */
export function matchingKey(token: SasToken, keysBase64: readonly string[]): number {
  const given = Buffer.from(token.signature, 'base64');
  for (let i = 0; i < keysBase64.length; i++) {
    const expected = Buffer.from(sasSignature(keysBase64[i]!, token.rawResource, token.expiry), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
  }
  return -1;
}

/** The resource URI a device token must name. */
export const deviceResource = (hubName: string, deviceId: string): string => `${hubName}/devices/${deviceId}`;

/** Resource URIs compare with the host part case-insensitive, as DNS names do. */
export function sameResource(a: string, b: string): boolean {
  const split = (s: string): [string, string] => {
    const i = s.indexOf('/');
    return i < 0 ? [s.toLowerCase(), ''] : [s.slice(0, i).toLowerCase(), s.slice(i).replace(/\/$/, '')];
  };
  const [ha, pa] = split(a);
  const [hb, pb] = split(b);
  return ha === hb && pa === pb;
}
