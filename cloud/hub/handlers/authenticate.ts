/**
 * CONNECT: SAS token against the device registry. The decision is a pure function; the aedes hook around it
 * refreshes the registry view, logs the reason of every refusal and arms the token-expiry timer.
 */
import type { AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import type { DeviceRecord } from '../registry.ts';
import { deviceResource, matchingKey, parseSasToken, SasParseError } from '../sas.ts';
import { RefusedError, SERVER_UNAVAILABLE, type RefusalReason } from './refusal.ts';
import type { Throttle } from '../connect-limiter.ts';

export interface ConnectRequest {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
}

export type ConnectDecision =
  | { ok: true; deviceId: string; expiresAtS: number; key: 'primary' | 'secondary' }
  | { ok: false; reason: RefusalReason; detail: string };

const refuse = (reason: RefusalReason, detail: string): ConnectDecision => ({ ok: false, reason, detail });

/** Decides a CONNECT. `lookup` finds a device in the registry; `nowS` is unix seconds. */
export function decideConnect(
  req: ConnectRequest,
  hubName: string,
  lookup: (deviceId: string) => DeviceRecord | undefined,
  nowS: number,
): ConnectDecision {
  const deviceId = req.clientId;
  if (!req.password || req.password.length === 0) return refuse('missing-token', 'no SAS token in the password');
  let token;
  try {
    token = parseSasToken(req.password.toString('utf8'));
  } catch (err) {
    return refuse('malformed-token', err instanceof SasParseError ? err.message : 'unreadable token');
  }
  if (token.keyName !== undefined) return refuse('policy-token-not-supported', `token signed with policy '${token.keyName}'; use the device key`);

  const m = /^([^/]+)\/devices\/([^/]+)\/?$/.exec(token.resource);
  if (!m) return refuse('token-for-other-device', `token resource '${token.resource}' does not name a device`);
  const [, tokenHub = '', tokenDevice = ''] = m;
  if (tokenDevice !== deviceId) return refuse('token-for-other-device', `token is for device '${tokenDevice}', client id is '${deviceId}'`);
  if (tokenHub.toLowerCase() !== hubName.toLowerCase()) {
    return refuse('token-for-other-hub', `token is for '${tokenHub}', this hub is '${hubName}' (expected ${deviceResource(hubName, deviceId)})`);
  }

  // username: <hub>/<deviceId>/?api-version=...
  const [userHub = '', userDevice = ''] = (req.username ?? '').split('/');
  if (userHub.toLowerCase() !== hubName.toLowerCase() || userDevice !== deviceId) {
    return refuse('bad-username', `username must start with '${hubName}/${deviceId}/'`);
  }

  const device = lookup(deviceId);
  if (!device) return refuse('unknown-device', `device '${deviceId}' is not registered`);
  if (device.disabled) return refuse('disabled-device', `device '${deviceId}' is disabled`);

  const k = matchingKey(token, [device.primaryKey, device.secondaryKey]);
  if (k < 0) return refuse('wrong-key', 'signature matches neither device key');
  // After the signature: "expired" then means a genuine token that ran out.
  if (token.expiry <= nowS) return refuse('expired-token', `token expired at ${new Date(token.expiry * 1000).toISOString()}`);
  return { ok: true, deviceId, expiresAtS: token.expiry, key: k === 0 ? 'primary' : 'secondary' };
}

/** The peer's address as the socket saw it (undefined once the socket is gone). */
export function remoteAddress(client: Client): string | undefined {
  return (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress;
}

export interface AuthenticateDeps {
  hubName: () => string;
  refreshRegistry: () => Promise<void>;
  lookup: (deviceId: string) => DeviceRecord | undefined;
  log: Logger;
  onAccepted: (client: Client, decision: Extract<ConnectDecision, { ok: true }>) => void;
  /** Refuses a client before its token is looked at (too many failures from its address). */
  throttle?: (client: Client) => Throttle | null;
  /** Every refusal, for counters and the failure limiter. */
  onRefused?: (client: Client, reason: RefusalReason) => void;
  now?: () => number;
}

export function makeAuthenticate(deps: AuthenticateDeps) {
  const now = deps.now ?? Date.now;
  return (
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const clientId = client.id;
    const address = remoteAddress(client);
    const throttled = deps.throttle?.(client);
    if (throttled) {
      const detail = `too many failed connections from this address; retry in ${throttled.retryAfterS} s`;
      deps.log[throttled.first ? 'warn' : 'debug']({ event: 'connect-refused', deviceId: clientId, address, reason: 'rate-limited', detail }, 'connection refused: rate-limited');
      deps.onRefused?.(client, 'rate-limited');
      done(new RefusedError('rate-limited', detail, SERVER_UNAVAILABLE) as AuthenticateError, false);
      return;
    }
    deps
      .refreshRegistry()
      .catch((err: unknown) => deps.log.error({ err }, 'registry refresh failed; using the last good copy'))
      .then(() => {
        const d = decideConnect({ clientId, username, password }, deps.hubName(), deps.lookup, Math.floor(now() / 1000));
        if (!d.ok) {
          deps.log.warn({ event: 'connect-refused', deviceId: clientId, address, reason: d.reason, detail: d.detail }, `connection refused: ${d.reason}`);
          deps.onRefused?.(client, d.reason);
          done(new RefusedError(d.reason, d.detail) as AuthenticateError, false);
          return;
        }
        deps.onAccepted(client, d);
        done(null, true);
      })
      .catch((err: unknown) => {
        deps.log.error({ err, deviceId: clientId }, 'authentication failed unexpectedly');
        done(new RefusedError('malformed-token', 'internal error') as AuthenticateError, false);
      });
  };
}
