/**
 * Typed errors of a HubSource. Both implementations (embedded, Azure) throw these, so callers and the
 * shared contract suite can branch on `code` instead of on message text.
 */
export type HubErrorCode =
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_DISABLED'
  | 'METHOD_TIMEOUT'
  | 'C2D_QUEUE_FULL'
  | 'INVALID_ARGUMENT'
  | 'NOT_RUNNING';

export class HubError extends Error {
  override readonly name: string = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class DeviceNotFoundError extends HubError {
  override readonly name = 'DeviceNotFoundError';
  constructor(readonly deviceId: string) {
    super('DEVICE_NOT_FOUND', `device not found: ${deviceId}`);
  }
}

export class MethodTimeoutError extends HubError {
  override readonly name = 'MethodTimeoutError';
  constructor(
    readonly deviceId: string,
    readonly method: string,
    readonly timeoutS: number,
    detail: string,
  ) {
    super('METHOD_TIMEOUT', `method '${method}' on device ${deviceId} timed out after ${timeoutS} s (${detail})`);
  }
}

export class C2DQueueFullError extends HubError {
  override readonly name = 'C2DQueueFullError';
  constructor(
    readonly deviceId: string,
    readonly limit: number,
  ) {
    super('C2D_QUEUE_FULL', `device ${deviceId} already has ${limit} pending cloud-to-device messages (the limit); message rejected`);
  }
}

export const isHubError = (err: unknown, code?: HubErrorCode): err is HubError =>
  err instanceof HubError && (code === undefined || err.code === code);
