import type { MethodResult } from '../hub-source.ts';
import { MethodTimeoutError } from './errors.ts';
import { hubErrorCode, httpStatusOf, mapServiceError, withCause } from './service-errors.ts';

/** IoT Hub accepts responseTimeoutInSeconds of 5-300 and connectTimeoutInSeconds of 0-300. */
export const METHOD_TIMEOUT_RANGE = { min: 5, max: 300 } as const;

// Slack for our own deadline beyond the hub's, so that the hub's 504 normally arrives first and is reported.
const DEADLINE_GRACE_MS = 3000;

export interface MethodTimeouts {
  responseTimeoutInSeconds: number;
  connectTimeoutInSeconds: number;
  /** Our own deadline: the caller's timeout when shorter than the hub minimum, else the hub's plus a grace. */
  localDeadlineMs: number;
  /** The timeout reported in errors: what the caller asked for. */
  requestedS: number;
}

/**
 * Maps the caller's timeout to the hub's parameters. A timeout below the hub minimum (5 s) is sent as 5 s but
 * enforced locally, so the caller still gets its answer on time. Above 300 s the hub maximum applies.
 */
export function methodTimeouts(timeoutS: number, defaultTimeoutS: number, connectTimeoutS: number): MethodTimeouts {
  const requested = Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS : defaultTimeoutS;
  const response = Math.min(METHOD_TIMEOUT_RANGE.max, Math.max(METHOD_TIMEOUT_RANGE.min, Math.ceil(requested)));
  const connect = Math.min(METHOD_TIMEOUT_RANGE.max, Math.max(0, Math.floor(connectTimeoutS)));
  const localDeadlineMs =
    requested < METHOD_TIMEOUT_RANGE.min
      ? Math.round((requested + connect) * 1000)
      : (response + connect) * 1000 + DEADLINE_GRACE_MS;
  return { responseTimeoutInSeconds: response, connectTimeoutInSeconds: connect, localDeadlineMs, requestedS: Math.min(requested, METHOD_TIMEOUT_RANGE.max) };
}

/** The service SDK resolves invokeDeviceMethod with { result: { status, payload } }. */
export function toMethodResult(result: unknown): MethodResult {
  if (typeof result !== 'object' || result === null) return { status: 200, payload: result ?? null };
  const r = result as { status?: unknown; payload?: unknown };
  return { status: typeof r.status === 'number' ? r.status : 200, payload: r.payload ?? null };
}

/**
 * Maps a failed invokeDeviceMethod to the shared hub errors: 504 (GatewayTimeout, 504101) and 408 mean the device
 * did not answer in time; 404103 means it is not connected, which the embedded endpoint also reports as a method
 * timeout ("device not connected"); 404001 means it is not registered. Anything else is returned unchanged.
 */
export function mapMethodError(err: unknown, deviceId: string, method: string, t: MethodTimeouts): unknown {
  const status = httpStatusOf(err);
  const code = hubErrorCode(err);
  const name = err instanceof Error ? err.name : '';
  if (status === 504 || status === 408 || code === 504101 || name === 'GatewayTimeoutError' || name === 'DeviceTimeoutError') {
    return withCause(new MethodTimeoutError(deviceId, method, t.requestedS, 'no response from the device'), err);
  }
  if (code === 404103) return withCause(new MethodTimeoutError(deviceId, method, t.requestedS, 'device not connected'), err);
  return mapServiceError(err, deviceId);
}
