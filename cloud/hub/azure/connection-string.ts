/**
 * Parsing and checking of the three Azure connection strings fleetsync needs. Pure functions: they never
 * echo a key or signature back, because messages end up in logs.
 */

/** `Key=Value;Key=Value`. Values may hold `=` (base64 keys), so only the first `=` splits. */
export function parseConnectionString(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(';')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`"${trimmed.slice(0, 24)}" is not a Key=Value pair`);
    out.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+(?::\d{1,5})?$/;

export interface IotHubServiceConnection {
  hostName: string;
  hubName: string;
  keyName: string;
}

export interface EventHubConnection {
  namespaceHost: string;
  entityPath?: string;
}

export interface StorageConnection {
  development: boolean;
  accountName?: string;
}

/** Returns a problem description, or the parsed fields. Problems never include secret values. */
type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

function parse(text: string): Checked<Map<string, string>> {
  try {
    const map = parseConnectionString(text);
    if (map.size === 0) return { ok: false, problem: 'is empty' };
    return { ok: true, value: map };
  } catch (err) {
    return { ok: false, problem: `does not parse: ${(err as Error).message}` };
  }
}

function missing(map: Map<string, string>, keys: string[]): string | undefined {
  const absent = keys.filter((k) => !map.get(k));
  return absent.length ? `lacks ${absent.join(', ')}` : undefined;
}

/** An IoT Hub service (shared access policy) connection string: HostName, SharedAccessKeyName, SharedAccessKey. */
export function checkIotHubServiceConnectionString(text: string): Checked<IotHubServiceConnection> {
  const parsed = parse(text);
  if (!parsed.ok) return parsed;
  const map = parsed.value;
  if (map.has('DeviceId')) {
    return { ok: false, problem: 'is a device connection string; use a shared access policy with ServiceConnect (plus RegistryRead for connection polling), e.g. a dedicated fleetsync-cloud policy' };
  }
  if (map.has('Endpoint')) {
    return { ok: false, problem: 'looks like an Event Hub connection string; expected HostName=<hub>.azure-devices.net;SharedAccessKeyName=...;SharedAccessKey=...' };
  }
  const lack = missing(map, ['HostName', 'SharedAccessKeyName', 'SharedAccessKey']);
  if (lack) return { ok: false, problem: lack };
  const hostName = map.get('HostName') ?? '';
  if (!HOST.test(hostName)) return { ok: false, problem: 'has a HostName that is not a DNS name' };
  if (!BASE64.test(map.get('SharedAccessKey') ?? '')) return { ok: false, problem: 'has a SharedAccessKey that is not base64' };
  return { ok: true, value: { hostName, hubName: hostName.split('.')[0] ?? hostName, keyName: map.get('SharedAccessKeyName') ?? '' } };
}

/** The built-in endpoint's Event Hub-compatible connection string: Endpoint=sb://...;SharedAccessKeyName;SharedAccessKey[;EntityPath]. */
export function checkEventHubConnectionString(text: string): Checked<EventHubConnection> {
  const parsed = parse(text);
  if (!parsed.ok) return parsed;
  const map = parsed.value;
  if (map.has('HostName')) {
    return { ok: false, problem: 'is an IoT Hub connection string; use the Event Hub-compatible one (az iot hub connection-string show --default-eventhub)' };
  }
  const endpoint = map.get('Endpoint');
  if (!endpoint) return { ok: false, problem: 'lacks Endpoint' };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { ok: false, problem: 'has an Endpoint that is not a URL' };
  }
  if (url.protocol !== 'sb:') return { ok: false, problem: 'has an Endpoint that does not start with sb://' };
  const hasKey = map.get('SharedAccessKeyName') && map.get('SharedAccessKey');
  if (!hasKey && !map.get('SharedAccessSignature')) {
    return { ok: false, problem: 'lacks SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature)' };
  }
  const entityPath = map.get('EntityPath');
  return { ok: true, value: entityPath ? { namespaceHost: url.host, entityPath } : { namespaceHost: url.host } };
}

/** A storage account connection string (account key, SAS, or the local emulator). */
export function checkStorageConnectionString(text: string): Checked<StorageConnection> {
  const parsed = parse(text);
  if (!parsed.ok) return parsed;
  const map = parsed.value;
  if (map.get('UseDevelopmentStorage') === 'true') return { ok: true, value: { development: true } };
  const accountName = map.get('AccountName');
  if (accountName && map.get('AccountKey')) {
    if (!BASE64.test(map.get('AccountKey') ?? '')) return { ok: false, problem: 'has an AccountKey that is not base64' };
    return { ok: true, value: { development: false, accountName } };
  }
  if (map.get('BlobEndpoint') && map.get('SharedAccessSignature')) {
    return { ok: true, value: accountName ? { development: false, accountName } : { development: false } };
  }
  return { ok: false, problem: 'lacks AccountName and AccountKey (or BlobEndpoint and SharedAccessSignature, or UseDevelopmentStorage=true)' };
}

/** A container URL that carries its own SAS token, e.g. https://acct.blob.core.windows.net/checkpoints?sv=...&sig=... */
export function checkContainerUrl(text: string): Checked<{ url: URL; container: string }> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: 'is not a URL' };
  }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) {
    return { ok: false, problem: 'must use https (http only for a local emulator)' };
  }
  const segments = url.pathname.split('/').filter(Boolean);
  // The emulator puts the account name first in the path: http://127.0.0.1:10000/devstoreaccount1/<container>.
  const container = local ? segments[1] : segments[0];
  if (!container) return { ok: false, problem: 'names no container' };
  if (!url.searchParams.get('sig')) return { ok: false, problem: 'carries no SAS token (sig=...)' };
  return { ok: true, value: { url, container } };
}
