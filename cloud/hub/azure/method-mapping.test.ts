import { describe, expect, it } from 'vitest';
import { DeviceNotFoundError, MethodTimeoutError } from './errors.ts';
import { mapMethodError, methodTimeouts, toMethodResult } from './method-mapping.ts';
import { hubErrorCode } from './service-errors.ts';

/** An error shaped like azure-iothub's RestApiClient.translateError output. */
function sdkError(name: string, statusCode: number, responseBody: string): Error {
  const err = new Error('from hub') as Error & { response: { statusCode: number }; responseBody: string };
  err.name = name;
  err.response = { statusCode };
  err.responseBody = responseBody;
  return err;
}

describe('direct method mapping', () => {
  it('sends the caller timeout when IoT Hub accepts it (5-300 s)', () => {
    expect(methodTimeouts(30, 30, 0)).toEqual({ responseTimeoutInSeconds: 30, connectTimeoutInSeconds: 0, localDeadlineMs: 33_000, requestedS: 30 });
    expect(methodTimeouts(12.2, 30, 10)).toMatchObject({ responseTimeoutInSeconds: 13, connectTimeoutInSeconds: 10, localDeadlineMs: 26_000 });
  });

  it('raises a short timeout to the hub minimum of 5 s but keeps the caller deadline locally', () => {
    expect(methodTimeouts(1, 30, 0)).toEqual({ responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0, localDeadlineMs: 1000, requestedS: 1 });
  });

  it('caps at the hub maximum of 300 s and uses the default for a missing or bad timeout', () => {
    expect(methodTimeouts(900, 30, 0)).toMatchObject({ responseTimeoutInSeconds: 300, requestedS: 300 });
    expect(methodTimeouts(Number.NaN, 20, 0).responseTimeoutInSeconds).toBe(20);
    expect(methodTimeouts(0, 20, 0).responseTimeoutInSeconds).toBe(20);
    expect(methodTimeouts(10, 30, 999).connectTimeoutInSeconds).toBe(300);
  });

  it("maps the SDK's { status, payload } result", () => {
    expect(toMethodResult({ status: 204, payload: { ok: true } })).toEqual({ status: 204, payload: { ok: true } });
    expect(toMethodResult({ status: 500 })).toEqual({ status: 500, payload: null });
  });

  it('reads the hub error code from nested, escaped error bodies (service-errors)', () => {
    const nested = JSON.stringify({ Message: JSON.stringify({ errorCode: 404103, message: 'Timed out waiting for device to connect.' }), ExceptionMessage: '' });
    expect(hubErrorCode(sdkError('Error', 404, nested))).toBe(404103);
    expect(hubErrorCode(sdkError('Error', 404, JSON.stringify({ message: nested })))).toBe(404103);
    expect(hubErrorCode(sdkError('DeviceNotFoundError', 404, '{"Message":"ErrorCode:DeviceNotFound;gw-9 not registered"}'))).toBe(404001);
    expect(hubErrorCode(new Error('plain'))).toBeUndefined();
  });

  it('maps a gateway timeout (504 / 504101) to MethodTimeoutError with the timeout the caller asked for', () => {
    const t = methodTimeouts(2, 30, 0);
    const err = mapMethodError(sdkError('GatewayTimeoutError', 504, '{"errorCode":504101}'), 'gw-1', 'reboot', t);
    expect(err).toBeInstanceOf(MethodTimeoutError);
    expect(err).toMatchObject({ code: 'METHOD_TIMEOUT', deviceId: 'gw-1', method: 'reboot', timeoutS: 2 });
  });

  it('maps 404103 (not connected) to a method timeout as the embedded endpoint does, 404001 to DeviceNotFoundError, others unchanged', () => {
    const t = methodTimeouts(10, 30, 0);
    const offline = JSON.stringify({ Message: JSON.stringify({ errorCode: 404103 }) });
    const notOnline = mapMethodError(sdkError('Error', 404, offline), 'gw-1', 'm', t);
    expect(notOnline).toBeInstanceOf(MethodTimeoutError);
    expect((notOnline as Error).message).toMatch(/device not connected/);
    expect((notOnline as Error).cause).toBeInstanceOf(Error);
    expect(mapMethodError(sdkError('DeviceNotFoundError', 404, ''), 'gw-1', 'm', t)).toMatchObject({ code: 'DEVICE_NOT_FOUND', deviceId: 'gw-1' });
    expect(mapMethodError(sdkError('Error', 404, '{"errorCode":404001}'), 'gw-1', 'm', t)).toBeInstanceOf(DeviceNotFoundError);
    const other = sdkError('UnauthorizedError', 401, '');
    expect(mapMethodError(other, 'gw-1', 'm', t)).toBe(other);
  });
});
