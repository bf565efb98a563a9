/** The store-before-acknowledge step on a real journal (LevelDB in a temp folder) with the default rules. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertV2 } from '../shared/contracts/types.ts';
import { createAlertEngine, parseRuleSet } from './alerts/index.ts';
import { createIngest } from './ingest.ts';
import { Journal } from './journal/index.ts';
import { createGatewayMetrics } from './metrics.ts';
import type { Principal } from './broker/acl.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function rules() {
  const r = parseRuleSet(JSON.stringify({ version: 1, rules: [{ id: 'hot', type: 'threshold', signal: 'coolant_temp', direction: 'above', threshold: 100, severity: 'critical' }] }), 'json');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.rules;
}

async function setup(engine = createAlertEngine(rules(), { vehicles: ['truck-1'] }), show?: (a: AlertV2) => void, journalSettings: { maxBatchEvents?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'fleetsync-ingest-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const journal = await Journal.open({ dir: join(dir, 'journal'), ...journalSettings });
  cleanups.push(() => journal.close());
  const metrics = createGatewayMetrics({ laneStats: () => ({}), uplinkState: () => 'offline', diskBytes: () => 0, quickAck: () => false, quickAcks: () => 0 });
  const shown: AlertV2[] = [];
  const ingest = createIngest({
    journal,
    engine,
    maxPayloadBytes: 65536,
    clock: 'receive',
    metrics,
    log: pino({ level: 'silent' }),
    showAlert: show ?? ((a) => shown.push(a)),
  });
  // The broker's view: settles once the handler calls back, which it must do exactly once.
  const publish = (who: Principal, topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> =>
    new Promise((resolve, reject) => {
      let calls = 0;
      ingest(who, topic, payload, qos, (err) => {
        if (++calls > 1) throw new Error('done called twice');
        if (err) reject(err);
        else resolve();
      });
    });
  return { journal, metrics, ingest: publish, shown };
}

const ecu: Principal = { role: 'sensor', vehicle: 'truck-1', sensor: 'ecu' };
const reading = (signal: string, value: number) => Buffer.from(JSON.stringify({ v: 2, signal, value, unit: 'C', sensorTime: Date.now(), quality: 'good' }));

describe('ingest', () => {
  it("acknowledges in publish order when a message's reading and its alert are written in different batches", async () => {
    // Batches of two: [x's reading, a's reading], then [a's alert, b's reading]. a is durable only with its alert, so
    // its acknowledgement and b's come from the same batch; MQTT wants a's first.
    const { ingest, shown } = await setup(undefined, undefined, { maxBatchEvents: 2 });
    const order: string[] = [];
    const topic = 'fleet/truck-1/ecu/reading';
    await Promise.all([
      ingest(ecu, topic, reading('coolant_temp', 90), 1).then(() => order.push('x')),
      ingest(ecu, topic, reading('coolant_temp', 110), 1).then(() => order.push('a')),
      ingest(ecu, topic, reading('coolant_temp', 105), 1).then(() => order.push('b')),
    ]);
    expect(shown.map((x) => x.state)).toEqual(['raised']);
    expect(order).toEqual(['x', 'a', 'b']);
  });

  it('journals a reading before resolving, and shows an alert the reading raises at once', async () => {
    const { journal, ingest, shown } = await setup();
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 90), 1);
    expect(journal.committedSeq('telemetry')).toBe(1);
    expect(shown).toEqual([]);
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 104), 1);
    expect(journal.committedSeq('telemetry')).toBe(2);
    expect(shown.map((a) => [a.ruleId, a.state])).toEqual([['hot', 'raised']]);
    // The alert went to the alerts lane within the same acknowledged publish.
    expect(journal.committedSeq('alerts')).toBe(1);
  });

  it('journals what it cannot read in the rejects lane, the same way each time a topic comes again', async () => {
    const { journal, ingest } = await setup();
    for (let i = 0; i < 3; i++) await ingest(ecu, 'fleet/truck-1/ecu/bogus', reading('coolant_temp', 90), 1);
    await ingest(ecu, 'fleet/truck-1/ecu/reading', Buffer.from('{not json'), 1);
    expect(journal.committedSeq('rejects')).toBe(4);
    expect(journal.committedSeq('telemetry')).toBe(0);
    // QoS 0 is journalled too, without waiting.
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 91), 0);
    await journal.flushed();
    expect(journal.committedSeq('telemetry')).toBe(1);
  });

  it('refuses, and does not leave hanging, a publish whose alert could not be shown after its reading was stored', async () => {
    const { journal, ingest } = await setup(undefined, () => {
      throw new Error('display bug');
    });
    await expect(ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 104), 1)).rejects.toThrow('display bug');
    expect(journal.committedSeq('telemetry')).toBe(1);
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 102), 1); // still raised, nothing to show: stored and acknowledged
    expect(journal.committedSeq('telemetry')).toBe(2);
  });

  it('counts accepted items per QoS and QoS 0 publishes in /metrics, read at scrape time', async () => {
    const { ingest, metrics, journal } = await setup();
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 90), 1);
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 91), 1);
    await ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 92), 0);
    await ingest(ecu, 'fleet/truck-1/ecu/bogus', reading('coolant_temp', 93), 0); // a reject, not an accepted item
    await journal.flushed();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/fleetsync_gateway_ingested_total\{lane="telemetry",qos="1"\} 2/);
    expect(text).toMatch(/fleetsync_gateway_ingested_total\{lane="telemetry",qos="0"\} 1/);
    expect(text).toMatch(/fleetsync_gateway_qos0_total 2/);
    // A second scrape reports the same totals, not twice them.
    expect(await metrics.registry.metrics()).toMatch(/fleetsync_gateway_ingested_total\{lane="telemetry",qos="1"\} 2/);
  });

  it('turns a failure to store into a refused publish, never a throw into the broker', async () => {
    const { journal, ingest, metrics } = await setup();
    await journal.close();
    let result: Promise<void> | undefined;
    expect(() => (result = ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 90), 1))).not.toThrow();
    await expect(result).rejects.toThrow();
    expect((await metrics.storeFailures.get()).values[0]?.value).toBe(1);
  });

  it('refuses a publish whose handling throws only after the writes it already issued are durable, and only once', async () => {
    const engine = createAlertEngine(rules(), { vehicles: ['truck-1'] });
    const { journal, ingest, metrics } = await setup(Object.assign(Object.create(engine) as typeof engine, { onReading: () => { throw new Error('rule bug'); } }));
    // The reading is journalled before its rules run; the throw comes after that write was issued.
    await expect(ingest(ecu, 'fleet/truck-1/ecu/reading', reading('coolant_temp', 90), 1)).rejects.toThrow('rule bug');
    expect(journal.committedSeq('telemetry')).toBe(1);
    // A bug is not a storage failure.
    expect((await metrics.storeFailures.get()).values[0]?.value ?? 0).toBe(0);
  });

});
