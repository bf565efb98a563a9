/**
 * Short-lived, single-use tickets for the server-sent event stream. A browser's EventSource cannot send an
 * Authorization header, so the page exchanges its bearer token for a ticket and puts the ticket in the stream URL.
 * A ticket in a URL may end up in a proxy log or the browser history, so it is worth nothing soon after: it opens
 * one stream, once, within `ttlMs`, and the stream stays tied to the token it came from (revoking the token ends it).
 */
import { randomBytes } from 'node:crypto';
import { hashToken, type TokenInfo } from './token-store.ts';

export interface StreamTicketsOptions {
  ttlMs?: number;
  /** Outstanding tickets kept at most (oldest dropped first). */
  max?: number;
  now?: () => number;
}

const TICKET_RE = /^fsk_[A-Za-z0-9_-]{32}$/;

export class StreamTickets {
  private readonly tickets = new Map<string, { token: TokenInfo; expiresAt: number }>();
  readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: StreamTicketsOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.max ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  issue(token: TokenInfo): { ticket: string; expiresAt: number } {
    const now = this.now();
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
    while (this.tickets.size >= this.max) {
      const oldest = this.tickets.keys().next();
      if (oldest.done) break;
      this.tickets.delete(oldest.value);
    }
    const ticket = `fsk_${randomBytes(24).toString('base64url')}`;
    const expiresAt = now + this.ttlMs;
    this.tickets.set(hashToken(ticket), { token, expiresAt });
    return { ticket, expiresAt };
  }

  /** The token behind a ticket, consuming the ticket; null when unknown, used or expired. */
  redeem(ticket: string): TokenInfo | null {
    if (!TICKET_RE.test(ticket)) return null;
    const key = hashToken(ticket);
    const t = this.tickets.get(key);
    if (!t) return null;
    this.tickets.delete(key);
    return t.expiresAt > this.now() ? t.token : null;
  }

  get size(): number {
    return this.tickets.size;
  }
}
