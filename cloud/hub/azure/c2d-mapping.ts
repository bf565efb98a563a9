import { randomUUID } from 'node:crypto';
import { C2DMessageError } from './errors.ts';

/** IoT Hub: a cloud-to-device message is at most 64 KB. */
export const C2D_MAX_BYTES = 64 * 1024;

// Property names and values of cloud-to-device messages: ASCII alphanumerics plus these marks (IoT Hub messages docs).
const C2D_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** A cloud-to-device message as plain data; the SDK adapter turns it into an azure-iot-common Message. */
export interface C2DMessage {
  data: Buffer;
  messageId: string;
  properties: Array<[string, string]>;
}

/** Checks and shapes a cloud-to-device message. A fresh messageId lets the device drop a redelivered copy. */
export function buildC2DMessage(body: Uint8Array | string, properties: Record<string, string> = {}, messageId: string = randomUUID()): C2DMessage {
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (data.byteLength > C2D_MAX_BYTES) throw new C2DMessageError(`body of ${data.byteLength} bytes exceeds ${C2D_MAX_BYTES}`);
  const props: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(properties)) {
    if (!C2D_TOKEN.test(k)) throw new C2DMessageError(`property name "${k}" has characters IoT Hub does not allow`);
    if (typeof v !== 'string' || (v !== '' && !C2D_TOKEN.test(v))) throw new C2DMessageError(`property "${k}" has a value IoT Hub does not allow (ASCII letters, digits and !#$%&'*+-.^_\`|~ only)`);
    props.push([k, v]);
  }
  return { data, messageId, properties: props };
}
