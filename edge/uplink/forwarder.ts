import type { Logger } from 'pino';
import type { Lane } from '../../shared/contracts/types.ts';
import { LANES } from '../../shared/contracts/types.ts';
import { fitBatch, batchId, messageProperties, WireError, WIRE_CONTENT_TYPE, WIRE_CONTENT_ENCODING } from '../../shared/wire/index.ts';
import type { Journal, LaneCursor } from '../journal/index.ts';
import { liveReady, nextSend, type LaneView, type SchedulerState } from './scheduler.ts';
import type { LinkState, OutgoingMessage } from './hub-connection.ts';

export interface ForwarderSettings {
  batchTargetBytes: number;
  telemetryMaxAgeMs: number;
  alertsMaxAgeMs: number;
  inflight: number;
  backlogShare: number;
  paused: boolean;
}

/** The part of the hub link the forwarder needs (HubConnection, or a stand-in in benchmarks). */
export interface Link {
  readonly state: LinkState;
  send(m: OutgoingMessage): Promise<void>;
  drop(): void;
  on(event: 'state', listener: (s: LinkState) => void): unknown;
}

export interface ForwarderHooks {
  onSent?(lane: Lane, events: number, bytes: number): void;
  onSendFailed?(lane: Lane, err: Error): void;
  onUndeliverable?(lane: Lane, seq: number, reason: string): void;
}

interface LaneCursors {
  live: LaneCursor;
  backlog: LaneCursor | null;
  /**
   * When the oldest unread live event arrived, approximately (the first commit after a catch-up), on the monotonic
   * clock: batch ages must not follow the wall clock, which a truck's gateway may have set back by hours.
   */
  oldestLiveAt: number | null;
  fullBatchEvents: number;
}

const READ_MAX_EVENTS = 20_000;

/** The scheduler's clock: monotonic, so a wall clock set back or forward neither stalls nor rushes batches. */
const monoNow = (): number => performance.now();

/** An event's receive time (wall clock) on the monotonic clock; from the future (the clock went back) means now. */
const monoOfRt = (rt: number): number => monoNow() - Math.max(0, Date.now() - rt);

/**
 * Moves journal batches to the hub: reads lane cursors, packs batches with the wire format, keeps a bounded window
 * in flight, and deletes a journal range only after the hub acknowledged it. After every reconnect, cursors are
 * rebuilt from the journal (live = appended from now on, backlog = everything still unacknowledged), so anything
 * that was in flight when the link dropped is simply sent again: the batch id is deterministic and the cloud dedupes.
 */
export class Forwarder {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeFn: (() => void) | null = null;
  private cursors = new Map<Lane, LaneCursors>();
  private cursorsForGeneration = -1;
  private linkGeneration = 0;
  private inflight = new Set<Promise<void>>();
  private sched: SchedulerState = { credit: {} };
  private forceUntilIdle = false;
  private idleWaiters: (() => void)[] = [];
  /** Why the loop sleeps: only a sleep waiting for data (or for a batch to fill) can end because of new events. */
  private sleepingFor: 'blocked' | 'data' | 'age' | null = null;
  private sleepingUntil = Number.POSITIVE_INFINITY;
  readonly sent = { batches: 0, events: 0, bytes: 0 };
  /** Passes of the send loop (each looks at every lane). */
  loopPasses = 0;

  constructor(
    private readonly journal: Journal,
    private readonly link: Link,
    private readonly gatewayId: string,
    public settings: ForwarderSettings,
    private readonly log: Logger,
    private readonly hooks: ForwarderHooks = {},
  ) {
    link.on('state', (s) => {
      if (s === 'online') this.linkGeneration++;
      this.wake();
    });
    journal.on('committed', (lanes: Lane[]) => {
      const now = monoNow();
      for (const lane of lanes) {
        const c = this.cursors.get(lane);
        if (c && c.oldestLiveAt === null) c.oldestLiveAt = now;
      }
      if (this.commitMatters(lanes, now)) this.wake();
    });
  }

  start(): void {
    this.running = true;
    this.loop ??= this.run().catch((err: Error) => this.log.fatal({ err: err.message }, 'forwarder stopped'));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }

  setPaused(paused: boolean): void {
    this.settings = { ...this.settings, paused };
    this.wake();
  }

  update(settings: Partial<ForwarderSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.wake();
  }

  /** Sends everything pending now, ignoring batch ages; resolves when nothing is left or after `timeoutMs`. */
  flush(timeoutMs = 30_000): Promise<boolean> {
    this.forceUntilIdle = true;
    this.wake();
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => (clearTimeout(t), resolve(true)));
    });
  }

  private wake(): void {
    const w = this.wakeFn;
    this.wakeFn = null;
    this.sleepingFor = null;
    w?.();
  }

  private sleep(why: 'blocked' | 'data' | 'age', untilMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const t = untilMs === undefined ? undefined : setTimeout(() => this.wake(), Math.max(1, untilMs - monoNow()));
      this.sleepingFor = why;
      this.sleepingUntil = untilMs ?? Number.POSITIVE_INFINITY;
      this.wakeFn = () => (clearTimeout(t), resolve());
    });
  }

  /**
   * Whether newly durable events can change what the loop does now. Every sensor message is its own commit at low
   * rates, so waking the loop for each one (to find the batch still not full, or the link still down) cost more
   * than sending: only a loop waiting for data, or a live batch that this commit made ready, is woken.
   */
  private commitMatters(lanes: Lane[], now: number): boolean {
    if (this.sleepingFor === 'data') return true;
    if (this.sleepingFor !== 'age') return false;
    if (this.forceUntilIdle) return true;
    return lanes.some((lane) => {
      if (!this.cursors.has(lane)) return false;
      const v = this.viewOf(lane);
      // Ready now, or due before the deadline the loop sleeps towards (a lane with a shorter maximum age).
      return liveReady(v, now, false) || now + v.maxAgeMs < this.sleepingUntil;
    });
  }

  private rebuildCursors(): void {
    const now = monoNow();
    for (const lane of LANES) {
      const { live, backlog } = this.journal.liveAndBacklog(lane, { recent: 0 });
      const prev = this.cursors.get(lane);
      this.cursors.set(lane, { live, backlog, oldestLiveAt: null, fullBatchEvents: prev?.fullBatchEvents ?? 2000 });
      if (this.journal.committedSeq(lane) > live.position) this.cursors.get(lane)!.oldestLiveAt = now;
    }
    this.cursorsForGeneration = this.linkGeneration;
    this.sched = { credit: {} };
  }

  private views(): LaneView[] {
    return LANES.map((lane) => this.viewOf(lane));
  }

  private viewOf(lane: Lane): LaneView {
    const c = this.cursors.get(lane)!;
    const liveUnread = Math.max(0, this.journal.committedSeq(lane) - c.live.position);
    return {
      lane,
      liveUnread,
      oldestLiveAt: liveUnread > 0 ? c.oldestLiveAt : null,
      backlogPending: c.backlog !== null && !c.backlog.exhausted,
      maxAgeMs: lane === 'alerts' ? this.settings.alertsMaxAgeMs : this.settings.telemetryMaxAgeMs,
      fullBatchEvents: c.fullBatchEvents,
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.loopPasses++;
      if (this.link.state !== 'online' || this.settings.paused || this.journal.state !== 'open') {
        await this.sleep('blocked', monoNow() + 1000);
        continue;
      }
      if (this.cursorsForGeneration !== this.linkGeneration) {
        // Wait for the sends of the old connection to settle, so the new cursors see their acks.
        if (this.inflight.size > 0) {
          await Promise.allSettled([...this.inflight]);
          continue;
        }
        this.rebuildCursors();
      }
      if (this.inflight.size >= this.settings.inflight) {
        await Promise.race([this.sleep('blocked'), ...this.inflight]).catch(() => undefined);
        continue;
      }
      const pick = nextSend(this.views(), this.sched, monoNow(), this.settings.backlogShare, this.forceUntilIdle);
      if (pick === null || 'waitUntil' in pick) {
        if (pick === null && this.inflight.size === 0) this.settleIdle();
        if (pick === null) await this.sleep('data');
        else await this.sleep('age', pick.waitUntil);
        continue;
      }
      try {
        await this.sendNext(pick.lane, pick.source);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, lane: pick.lane }, 'could not prepare a batch');
        await this.sleep('blocked', monoNow() + 500);
      }
    }
  }

  private settleIdle(): void {
    if (!this.forceUntilIdle) return;
    this.forceUntilIdle = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async sendNext(lane: Lane, source: 'live' | 'backlog'): Promise<void> {
    const c = this.cursors.get(lane)!;
    const cursor = source === 'live' ? c.live : c.backlog!;
    const target = this.settings.batchTargetBytes;
    const chunk = await cursor.next({ maxEvents: Math.min(READ_MAX_EVENTS, c.fullBatchEvents * 2), maxBytes: target * 16 });
    if (source === 'live' && cursor.position >= this.journal.committedSeq(lane)) c.oldestLiveAt = null;
    if (chunk.events.length === 0) {
      if (source === 'backlog') c.backlog = null;
      return;
    }
    const header = { gatewayId: this.gatewayId, epoch: this.journal.epoch, lane, createdAt: Date.now() };
    let fitted;
    try {
      fitted = fitBatch(header, chunk.events, target);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      // One event that cannot travel at all: count it loudly and release it, rather than block the lane forever.
      const seq = chunk.seqs[0]!;
      this.log.error({ lane, seq, err: err.message }, 'event cannot be sent; released');
      this.hooks.onUndeliverable?.(lane, seq, err.message);
      cursor.rewind(seq);
      await this.journal.ackRange(lane, seq, seq);
      return;
    }
    if (fitted.taken < chunk.events.length) {
      cursor.rewind(chunk.seqs[fitted.taken - 1]!);
      if (source === 'live') c.oldestLiveAt = monoOfRt(chunk.events[fitted.taken]!.rt);
      c.fullBatchEvents = Math.max(16, fitted.taken);
    }
    const first = chunk.seqs[0]!;
    const last = chunk.seqs[fitted.taken - 1]!;
    const key = { ...header, firstSeq: first, lastSeq: last };
    const p = this.link
      .send({
        body: fitted.bytes,
        messageId: batchId(key),
        contentType: WIRE_CONTENT_TYPE,
        contentEncoding: WIRE_CONTENT_ENCODING,
        properties: messageProperties(key),
      })
      .then(async () => {
        await this.journal.ackRange(lane, first, last);
        this.sent.batches++;
        this.sent.events += fitted.taken;
        this.sent.bytes += fitted.bytes.length;
        this.hooks.onSent?.(lane, fitted.taken, fitted.bytes.length);
      })
      .catch((err: Error) => {
        // The range stays in the journal; the cursors are rebuilt on the next connection and send it again.
        this.hooks.onSendFailed?.(lane, err);
        this.log.warn({ lane, first, last, err: err.message }, 'batch not acknowledged');
        this.link.drop();
      })
      .finally(() => {
        this.inflight.delete(p);
        this.wake();
      });
    this.inflight.add(p);
  }
}
