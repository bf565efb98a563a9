/** Linux TCP state of a socket (getsockopt through the sockopt addon), for tests of the broker's socket tuning. */
import { createRequire } from 'node:module';

const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const TCP_QUICKACK = 12;

// Loaded on first use, so that importing this file off Linux, where the addon may be missing, does not throw.
const getsockopt = (socket: unknown, option: number): number =>
  (createRequire(import.meta.url)('sockopt') as { getsockopt: (s: unknown, level: number, opt: number) => number }).getsockopt(socket, IPPROTO_TCP, option);

/** 1 while the connection ACKs at once, 0 in delayed-ACK ("pingpong") mode. */
export const quickAckMode = (socket: unknown): number => getsockopt(socket, TCP_QUICKACK);

/** Non-zero when Nagle's algorithm is off. */
export const noDelayMode = (socket: unknown): number => getsockopt(socket, TCP_NODELAY);
