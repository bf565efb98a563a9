/**
 * Errors of the Azure hub source. What reaches HubSource callers is one of the shared hub errors
 * (cloud/hub/errors.ts), so callers branch on the same `code` for both implementations.
 */
import { HubError } from '../errors.ts';

export { C2DQueueFullError, DeviceNotFoundError, HubError, MethodTimeoutError, isHubError, type HubErrorCode } from '../errors.ts';

/** A desired-properties patch that IoT Hub would refuse; `path` points at the offending key. */
export class TwinPatchError extends HubError {
  override readonly name = 'TwinPatchError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('INVALID_ARGUMENT', `desired patch ${path || '/'}: ${problem}`);
  }
}

/** A cloud-to-device message IoT Hub would refuse (size, property names). */
export class C2DMessageError extends HubError {
  override readonly name = 'C2DMessageError';
  constructor(problem: string) {
    super('INVALID_ARGUMENT', `cloud-to-device message: ${problem}`);
  }
}

/**
 * Thrown out of processEvents when the sink did not accept an event; it never reaches HubSource callers.
 * `retryable: false` makes the Event Hubs partition pump stop and later resume from the last checkpoint, so the
 * event is delivered again instead of skipped (with a retryable error the pump would carry on with the next batch).
 */
export class SinkRejectedError extends Error {
  override readonly name = 'SinkRejectedError';
  readonly code = 'SINK_REJECTED';
  readonly retryable = false;
  constructor(
    readonly partitionId: string,
    readonly sequenceNumber: number,
    options?: { cause?: unknown },
  ) {
    super(`partition ${partitionId}: sink did not accept event #${sequenceNumber}; redelivering from the last checkpoint`, options);
  }
}
