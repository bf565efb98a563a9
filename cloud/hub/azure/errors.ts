/** Typed errors of the Azure hub source. Each has a stable `code` so callers need not match on messages. */

export class AzureHubError extends Error {
  override readonly name: string = 'AzureHubError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The device did not answer a direct method in time (IoT Hub 504 / 504101, or our own deadline). */
export class MethodTimeoutError extends AzureHubError {
  override readonly name = 'MethodTimeoutError';
  constructor(
    readonly deviceId: string,
    readonly method: string,
    readonly timeoutS: number,
    options?: { cause?: unknown },
  ) {
    super('METHOD_TIMEOUT', `direct method "${method}" on ${deviceId}: no answer within ${timeoutS} s`, options);
  }
}

/** IoT Hub could not reach the device for a direct method (404103 DeviceNotOnline). */
export class DeviceNotOnlineError extends AzureHubError {
  override readonly name = 'DeviceNotOnlineError';
  constructor(
    readonly deviceId: string,
    options?: { cause?: unknown },
  ) {
    super('DEVICE_NOT_ONLINE', `device ${deviceId} is not connected`, options);
  }
}

/** The device identity does not exist in the registry (404001 DeviceNotFound). */
export class DeviceNotFoundError extends AzureHubError {
  override readonly name = 'DeviceNotFoundError';
  constructor(
    readonly deviceId: string,
    options?: { cause?: unknown },
  ) {
    super('DEVICE_NOT_FOUND', `device ${deviceId} is not registered`, options);
  }
}

/** A desired-properties patch that IoT Hub would refuse; `path` points at the offending key. */
export class TwinPatchError extends AzureHubError {
  override readonly name = 'TwinPatchError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('TWIN_PATCH_INVALID', `desired patch ${path || '/'}: ${problem}`);
  }
}

/** A cloud-to-device message IoT Hub would refuse (size, property names). */
export class C2DMessageError extends AzureHubError {
  override readonly name = 'C2DMessageError';
  constructor(problem: string) {
    super('C2D_INVALID', `cloud-to-device message: ${problem}`);
  }
}

/**
 * Thrown out of processEvents when the sink did not accept an event. `retryable: false` makes the Event Hubs
 * partition pump stop and restart from the last checkpoint, so the event is delivered again instead of skipped
 * (a retryable error would make the pump carry on with the next batch).
 */
export class SinkRejectedError extends AzureHubError {
  override readonly name = 'SinkRejectedError';
  readonly retryable = false;
  constructor(
    readonly partitionId: string,
    readonly sequenceNumber: number,
    options?: { cause?: unknown },
  ) {
    super('SINK_REJECTED', `partition ${partitionId}: sink did not accept event #${sequenceNumber}; redelivering from the last checkpoint`, options);
  }
}
