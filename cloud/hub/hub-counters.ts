/**
 * What the endpoint refused or cut off since it started, by cause: the figures behind every `connect-refused`,
 * `publish-refused` and `connection-error` log record, for metrics and tests.
 */
import type { RefusalReason } from './handlers/refusal.ts';

/** Connection-level failures that never reach a CONNACK. */
export type ConnectionErrorKind =
  /** A packet declaring more bytes than the endpoint accepts (see shared/mqtt/packet-size-guard.ts). */
  | 'packet-too-large'
  /** TLS handshake or CONNECT did not arrive within connectTimeoutMs. */
  | 'connect-timeout'
  /** Unparsable bytes, a packet before CONNECT, an unknown protocol level, a second CONNECT. */
  | 'protocol-error'
  /** The TLS handshake failed (wrong CA on the device, not TLS at all). */
  | 'tls-failed';

export interface HubCounters {
  /** Refused CONNECTs (CONNACK 5, or 3 when rate-limited) and closed connections, by reason. */
  refused: Partial<Record<RefusalReason, number>>;
  connectionErrors: Partial<Record<ConnectionErrorKind, number>>;
}

export const emptyHubCounters = (): HubCounters => ({ refused: {}, connectionErrors: {} });

export function countRefusal(c: HubCounters, reason: RefusalReason): void {
  c.refused[reason] = (c.refused[reason] ?? 0) + 1;
}

export function countConnectionError(c: HubCounters, kind: ConnectionErrorKind): void {
  c.connectionErrors[kind] = (c.connectionErrors[kind] ?? 0) + 1;
}

/** Which kind of connection error an aedes or TLS error is (by its message: neither library gives codes). */
export function classifyConnectionError(err: Error): ConnectionErrorKind {
  const m = err.message;
  if (/connect did not arrive in time|handshake timeout/i.test(m)) return 'connect-timeout';
  return 'protocol-error';
}
