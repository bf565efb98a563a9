/**
 * Reading the errors of the IoT Hub service SDK (azure-iothub). Its RestApiClient turns an HTTP failure into an
 * Error with `response.statusCode` and the raw `responseBody`; IoT Hub's six-digit errorCode sits in that body.
 */
import { C2DQueueFullError, DeviceNotFoundError } from './errors.ts';

/** IoT Hub holds at most 50 cloud-to-device messages per device. */
export const C2D_MAX_PENDING = 50;

const NAMED_CODES: Record<string, number> = { DeviceNotFound: 404001, DeviceNotOnline: 404103, DeviceMaximumQueueDepthExceeded: 403004, GatewayTimeout: 504101 };

/** Reads IoT Hub's six-digit errorCode (e.g. 404103) from an SDK error's response body, if present. */
export function hubErrorCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const body = (err as { responseBody?: unknown }).responseBody;
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : '';
  // The body nests JSON in strings, escaped once or more ({"Message":"{\"errorCode\":404103,...}"}), so match the
  // text. Older answers name the code instead: {"Message":"ErrorCode:DeviceNotFound;..."}.
  const numeric = /errorCode[\\"]*\s*:\s*[\\"]*(\d{6})/i.exec(text);
  if (numeric?.[1]) return Number(numeric[1]);
  const named = /ErrorCode:(\w+)/.exec(text);
  return named?.[1] ? NAMED_CODES[named[1]] : undefined;
}

export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const response = (err as { response?: { statusCode?: unknown } }).response;
  return typeof response?.statusCode === 'number' ? response.statusCode : undefined;
}

/** Keeps the SDK error as `cause` of the shared error that replaces it (for logs). */
export function withCause<E extends Error>(e: E, cause: unknown): E {
  Object.defineProperty(e, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  return e;
}

/**
 * Maps the registry and C2D failures callers can act on: an unknown device (404001, or the SDK's
 * DeviceNotFoundError) and a full C2D queue (403004). Anything else is returned unchanged.
 */
export function mapServiceError(err: unknown, deviceId: string): unknown {
  const code = hubErrorCode(err);
  const name = err instanceof Error ? err.name : '';
  if (code === 404001 || name === 'DeviceNotFoundError') return withCause(new DeviceNotFoundError(deviceId), err);
  if (code === 403004) return withCause(new C2DQueueFullError(deviceId, C2D_MAX_PENDING), err);
  return err;
}
