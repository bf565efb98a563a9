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
  | 'sink-failed'
  | 'rate-limited';

/** aedes maps `returnCode` onto the CONNACK; IoT Hub answers 5 (not authorized) for every credential problem. */
export const NOT_AUTHORIZED = 5;
/** CONNACK 3 (server unavailable): what IoT Hub answers when it throttles a client. */
export const SERVER_UNAVAILABLE = 3;

export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(
    readonly reason: RefusalReason,
    detail: string,
    readonly returnCode: typeof NOT_AUTHORIZED | typeof SERVER_UNAVAILABLE = NOT_AUTHORIZED,
  ) {
    super(`${reason}: ${detail}`);
  }
}
