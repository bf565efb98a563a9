/**
 * New alert messages for the live streams. One poll loop serves every open stream and runs only while at least one
 * is open: each tick reads the alert messages Silver stored after the oldest cursor among the streams (an indexed
 * range in ingest order, usually empty) and hands each stream what lies past its own cursor. A stream that resumes
 * (Last-Event-ID) starts at its old cursor and catches up a page per tick.
 *
 * Without a read connection the feed falls back to watching the newest Gold alerts for changes; it then cannot resume.
 */
import type { AlertCursor, LiveAlert, ReadModel } from './read-model.ts';

export interface FeedFilter {
  vehicle?: string;
  severity?: string;
}

interface Subscriber {
  cursor: AlertCursor;
  filter: FeedFilter;
  deliver: (alerts: LiveAlert[]) => void;
}

const after = (a: AlertCursor, b: AlertCursor): boolean => a.bronzeId > b.bronzeId || (a.bronzeId === b.bronzeId && a.seq > b.seq);
const cursorOf = (id: string): AlertCursor | null => {
  const m = /^(\d{1,15})-(\d{1,15})$/.exec(id);
  return m ? { bronzeId: Number(m[1]), seq: Number(m[2]) } : null;
};
export const parseEventId = cursorOf;

const matches = (a: LiveAlert, f: FeedFilter): boolean =>
  (f.vehicle === undefined || a.vehicle === f.vehicle) && (f.severity === undefined || a.severity === f.severity);

export interface AlertFeedOptions {
  pollMs?: number;
  pageSize?: number;
  onError?: (err: unknown) => void;
}

export class AlertFeed {
  private readonly subs = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private closed = false;
  /** Fallback mode: last seen version of each recent Gold alert. */
  private goldSeen: Map<string, string> | null = null;
  readonly pollMs: number;
  private readonly pageSize: number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly read: ReadModel,
    opts: AlertFeedOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.pageSize = opts.pageSize ?? 500;
    this.onError = opts.onError ?? (() => undefined);
  }

  get subscribers(): number {
    return this.subs.size;
  }

  /** Starts delivering messages after `since` (default: from now on). Returns the unsubscribe function. */
  async subscribe(deliver: (alerts: LiveAlert[]) => void, filter: FeedFilter = {}, since?: string): Promise<() => void> {
    let cursor: AlertCursor = { bronzeId: 0, seq: 0 };
    if (this.read.hasConnection) cursor = (since !== undefined ? cursorOf(since) : null) ?? (await this.read.latestAlertCursor());
    const sub: Subscriber = { cursor, filter, deliver };
    this.subs.add(sub);
    this.schedule();
    return () => {
      this.subs.delete(sub);
      if (this.subs.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.goldSeen = null;
      }
    };
  }

  private schedule(): void {
    if (this.closed || this.timer !== null || this.subs.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref();
  }

  /** One poll (also called directly by tests). */
  async tick(): Promise<void> {
    if (this.ticking || this.subs.size === 0) return;
    this.ticking = true;
    try {
      if (this.read.hasConnection) await this.tickSilver();
      else await this.tickGold();
    } catch (err) {
      this.onError(err);
    } finally {
      this.ticking = false;
    }
  }

  private async tickSilver(): Promise<void> {
    let from: AlertCursor | null = null;
    for (const s of this.subs) if (from === null || after(from, s.cursor)) from = s.cursor;
    if (from === null) return;
    const rows = await this.read.alertsAfter(from, this.pageSize);
    if (rows.length === 0) return;
    for (const s of this.subs) {
      const mine = rows.filter((r) => after(cursorOf(r.id)!, s.cursor));
      if (mine.length === 0) continue;
      s.cursor = cursorOf(mine[mine.length - 1]!.id)!;
      const wanted = mine.filter((r) => matches(r, s.filter));
      if (wanted.length) s.deliver(wanted);
    }
  }

  private async tickGold(): Promise<void> {
    const rows = await this.read.alerts({ limit: 200 });
    const seen = new Map<string, string>();
    const changed: LiveAlert[] = [];
    for (const a of rows) {
      const version = `${String(a.state)}|${String(a.lastEventMs)}`;
      const id = String(a.alertId);
      seen.set(id, version);
      if (this.goldSeen !== null && this.goldSeen.get(id) !== version) {
        changed.push({
          id: `${id}@${String(a.lastEventMs)}`,
          alertId: id,
          vehicle: String(a.vehicle),
          ruleId: String(a.ruleId),
          state: String(a.state),
          severity: String(a.severity),
          message: String(a.message),
          value: typeof a.value === 'number' ? a.value : null,
          threshold: typeof a.threshold === 'number' ? a.threshold : null,
          peak: typeof a.peak === 'number' ? a.peak : null,
          raisedMs: Number(a.raisedMs),
          eventMs: Number(a.lastEventMs),
          ingestMs: Number(a.lastEventMs),
          signal: typeof a.signal === 'string' ? a.signal : null,
          sensor: typeof a.sensor === 'string' ? a.sensor : null,
          lat: typeof a.lat === 'number' ? a.lat : null,
          lon: typeof a.lon === 'number' ? a.lon : null,
        });
      }
    }
    this.goldSeen = seen;
    changed.reverse();
    for (const s of this.subs) {
      const wanted = changed.filter((r) => matches(r, s.filter));
      if (wanted.length) s.deliver(wanted);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.subs.clear();
  }
}
