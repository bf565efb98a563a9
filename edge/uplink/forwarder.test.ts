import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { decodeBatch } from '../../shared/wire/index.ts';
import { Journal } from '../journal/index.ts';
import { itemFor } from '../journal/test-items.ts';
import { Forwarder, type ForwarderSettings, type Link } from './forwarder.ts';
import type { LinkState, OutgoingMessage } from './hub-connection.ts';

/** A fake hub link: acknowledges every message at once and records it. */
class FakeLink extends EventEmitter implements Link {
  state: LinkState = 'online';
  readonly sent: OutgoingMessage[] = [];
  async send(m: OutgoingMessage): Promise<void> {
    this.sent.push(m);
  }
  drop(): void {}
  set(s: LinkState): void {
    this.state = s;
    this.emit('state', s);
  }
  lanes(): string[] {
    return this.sent.map((m) => decodeBatch(m.body).header.lane);
  }
  events(): number {
    return this.sent.reduce((n, m) => n + decodeBatch(m.body).events.length, 0);
  }
}

const settings: ForwarderSettings = { batchTargetBytes: 64 * 1024, telemetryMaxAgeMs: 60_000, alertsMaxAgeMs: 0, inflight: 4, backlogShare: 0.5, paused: false };
const cleanup: Array<() => Promise<void>> = [];

async function setup(link: FakeLink, s: Partial<ForwarderSettings> = {}): Promise<{ journal: Journal; fwd: Forwarder }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-forwarder-'));
  const journal = await Journal.open({ dir });
  const fwd = new Forwarder(journal, link, 'gw-1', { ...settings, ...s }, pino({ level: 'silent' }));
  fwd.start();
  cleanup.push(async () => {
    await fwd.stop();
    await journal.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { journal, fwd };
}

const until = async (what: string, probe: () => boolean): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('forwarder over a real journal (fake hub link)', () => {
  it('lets telemetry wait for a fuller batch without a loop pass per stored event; flush sends it all', async () => {
    const link = new FakeLink();
    const { journal, fwd } = await setup(link);
    await until('the first pass', () => fwd.loopPasses > 0);
    const before = fwd.loopPasses;
    for (let i = 0; i < 300; i++) await journal.append('telemetry', itemFor('telemetry', i));
    expect(link.sent).toEqual([]);
    // One pass to learn that data waits, not one per commit.
    expect(fwd.loopPasses - before).toBeLessThanOrEqual(3);
    expect(await fwd.flush(10_000)).toBe(true);
    expect(link.events()).toBe(300);
    expect(journal.laneStatus('telemetry')).toMatchObject({ backlogEvents: 0, lastAckedSeq: 300 });
  });

  it('sends an alert at once while telemetry is waiting for its batch to fill', async () => {
    const link = new FakeLink();
    const { journal } = await setup(link);
    for (let i = 0; i < 10; i++) await journal.append('telemetry', itemFor('telemetry', i));
    await journal.append('alerts', itemFor('alerts', 0));
    await until('the alert batch', () => link.lanes().includes('alerts'));
    expect(link.lanes()).toEqual(['alerts']);
  });

  it('does not spin while the link is down, and sends the backlog when it comes back', async () => {
    const link = new FakeLink();
    link.state = 'offline';
    const { journal, fwd } = await setup(link, { telemetryMaxAgeMs: 0 });
    await until('the first pass', () => fwd.loopPasses > 0);
    const before = fwd.loopPasses;
    for (let i = 0; i < 200; i++) await journal.append('telemetry', itemFor('telemetry', i));
    expect(fwd.loopPasses - before).toBeLessThanOrEqual(2);
    link.set('online');
    await until('the backlog sent', () => link.events() === 200);
    await until('the acks written', () => journal.laneStatus('telemetry').backlogEvents === 0);
  });

  it('sends a live batch as soon as it holds a full batch of events, before its age is up', async () => {
    const link = new FakeLink();
    const { journal } = await setup(link, { batchTargetBytes: 2048 });
    // A 2 KiB target fills after a few dozen events: the commit that fills it wakes the sender.
    await Promise.all(Array.from({ length: 3000 }, (_, i) => journal.append('telemetry', itemFor('telemetry', i))));
    await until('full batches sent', () => link.sent.length > 0);
    expect(link.events()).toBeGreaterThan(0);
  });
});
