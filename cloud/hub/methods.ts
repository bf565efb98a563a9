/**
 * Direct method calls in flight. The device SDK drops a call it has no handler for, and an offline device cannot
 * answer, so every call carries a hub-side deadline. A call to a device that is not connected waits for it until
 * the deadline (like IoT Hub's connect timeout) and is sent when the device subscribes to methods.
 */
import type { MethodResult } from './hub-source.ts';
import { MethodTimeoutError } from './errors.ts';

export interface MethodCall {
  rid: string;
  deviceId: string;
  method: string;
  payload: Buffer;
  timeoutS: number;
  sent: boolean;
}

interface Pending extends MethodCall {
  timer: NodeJS.Timeout;
  resolve: (r: MethodResult) => void;
  reject: (e: Error) => void;
}

/** Parses a method response body: JSON when it is JSON, else the text; empty means null. */
export function parseMethodPayload(body: Uint8Array): unknown {
  if (body.length === 0) return null;
  const text = Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class MethodCalls {
  private pending = new Map<string, Pending>();
  private counter = 0;

  /** `send` tries to publish the call to the device now; it returns false when the device cannot take it yet. */
  constructor(private readonly send: (call: MethodCall) => boolean) {}

  invoke(deviceId: string, method: string, payload: unknown, timeoutS: number): Promise<MethodResult> {
    return new Promise<MethodResult>((resolve, reject) => {
      const rid = (++this.counter).toString(16);
      const timer = setTimeout(() => {
        const p = this.pending.get(rid);
        if (!p) return;
        this.pending.delete(rid);
        p.reject(new MethodTimeoutError(deviceId, method, timeoutS, p.sent ? 'no response from the device' : 'device not connected'));
      }, timeoutS * 1000);
      timer.unref();
      const call: Pending = {
        rid,
        deviceId,
        method,
        payload: Buffer.from(JSON.stringify(payload ?? null)),
        timeoutS,
        sent: false,
        timer,
        resolve,
        reject,
      };
      this.pending.set(rid, call);
      call.sent = this.send(call);
    });
  }

  /** Sends the calls still waiting for this device (it just connected or subscribed). */
  flush(deviceId: string): void {
    for (const p of this.pending.values()) if (p.deviceId === deviceId && !p.sent) p.sent = this.send(p);
  }

  /** A device answered. Only the device the call went to can answer it. */
  respond(deviceId: string, rid: string, status: number, body: Uint8Array): boolean {
    const p = this.pending.get(rid);
    if (!p || p.deviceId !== deviceId) return false;
    clearTimeout(p.timer);
    this.pending.delete(rid);
    p.resolve({ status, payload: parseMethodPayload(body) });
    return true;
  }

  rejectAll(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
