import type { Client } from 'aedes';

type Deliver = (packet: { topic: string }, done: (...args: unknown[]) => void) => void;

/**
 * aedes writes a message to a subscriber on a later turn of the event loop: Client.deliverQoS and deliver0 queue
 * the write with setImmediate. Under load that turn comes after every socket read and PUBACK continuation queued
 * meanwhile (at 20k msgs/s in the gateway: 0.4 ms at the median and several ms at p99), all of it between an alert
 * and the cab. For urgent topics the queued step runs at once instead, which only moves it to the head of the
 * queue: urgent messages keep their order among themselves, and a subscriber's other messages can at most be
 * overtaken by urgent ones.
 *
 * Must be installed before the client subscribes: aedes binds a subscription to the deliver function of that time.
 */
export function deliverPromptly(client: Client, urgent: (topic: string) => boolean): void {
  const c = client as unknown as { deliverQoS: Deliver; deliver0: Deliver };
  for (const name of ['deliverQoS', 'deliver0'] as const) {
    const later = c[name];
    c[name] = (packet, done) => (urgent(packet.topic) ? runQueuedNow(() => later(packet, done)) : later(packet, done));
  }
}

/**
 * Calls `fn`, then at once whatever `fn` queued with setImmediate, in order, instead of on a later turn of the
 * event loop. Every queued callback runs even if one throws; the first error is thrown afterwards.
 */
export function runQueuedNow(fn: () => void): void {
  const queued: Array<() => void> = [];
  const real = globalThis.setImmediate;
  const capture = (cb: (...args: unknown[]) => void, ...args: unknown[]): NodeJS.Immediate => {
    queued.push(() => cb(...args));
    // Callers get a real (empty) handle, so one that keeps or clears it still works.
    return real(noop);
  };
  globalThis.setImmediate = capture as unknown as typeof setImmediate;
  try {
    fn();
  } finally {
    globalThis.setImmediate = real;
  }
  let failure: unknown = null;
  for (const run of queued) {
    try {
      run();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== null) throw failure;
}

function noop(): void {}
