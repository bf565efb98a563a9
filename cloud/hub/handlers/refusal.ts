/** Why the endpoint refused or closed a device connection. Every refusal is logged with one of these. */
export type RefusalReason =
  | 'missing-token'
  | 'malformed-token'
  | 'policy-token-not-supported'
  | 'token-for-other-device'
  | 'token-for-other-hub'
  | 'bad-username'
  | 'unknown-device'
  | 'disabled-device'
  | 'wrong-key'
  | 'expired-token'
  | 'foreign-topic'
  | 'forbidden-subscription'
  | 'message-too-large'
  | 'sink-failed';

/** aedes maps `returnCode` onto the CONNACK; IoT Hub answers 5 (not authorized) for every credential problem. */
export const NOT_AUTHORIZED = 5;

export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  readonly returnCode = NOT_AUTHORIZED;
  constructor(
    readonly reason: RefusalReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}
