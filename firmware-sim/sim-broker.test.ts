/**
 * The simulator against a real MQTT broker (plain aedes on 127.0.0.1, no gateway, sensors logging in with their
 * own credentials): what the ground truth says the sensors sent and had acknowledged is what a subscriber on the
 * broker received.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { generateFleet } from './fleet.ts';
import { createTruck } from './truck.ts';
import { SimClock } from './clock.ts';
import { GroundTruthRecorder } from './ground-truth.ts';
import { runTruckSensors, type TruckRun } from './run-truck.ts';
import { parseScenario } from './scenario-load.ts';

interface TestBroker {
  url: string;
  port: number;
  received: Map<string, string[]>;
  logins: Set<string>;
  /** Drops every connection and stops listening (a gateway process killed). */
  kill(): Promise<void>;
  /** Listens again on the same port (the gateway restarted). */
  revive(): Promise<void>;
  close(): Promise<void>;
}

async function startBroker(credentials: Map<string, string>): Promise<TestBroker> {
  const aedes = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const ok = username !== undefined && credentials.get(username) === password?.toString();
      if (ok) logins.add(username);
      done(ok ? null : Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), ok);
    },
  });
  const logins = new Set<string>();
  const sockets = new Set<Socket>();
  let server: Server = createServer();
  const listen = (port: number): Promise<number> =>
    new Promise((resolve) => {
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        aedes.handle(s);
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const url = `mqtt://127.0.0.1:${port}`;
  const received = new Map<string, string[]>();
  // The counting subscriber lives in the broker's process, so killing the sensors' connections cannot hide
  // messages from it: what it sees is exactly what the broker accepted.
  await new Promise<void>((resolve) =>
    aedes.subscribe(
      'fleet/#',
      (packet, cb) => {
        const list = received.get(packet.topic) ?? [];
        list.push(Buffer.from(packet.payload).toString('base64'));
        received.set(packet.topic, list);
        cb();
      },
      resolve,
    ),
  );
  const kill = async (): Promise<void> => {
    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  };
  return {
    url,
    port,
    received,
    logins,
    kill,
    revive: async () => {
      await listen(port);
    },
    close: async () => {
      await kill();
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('simulated sensors against a real broker', () => {
  it('delivers exactly what the ground truth says was sent, with every acknowledged QoS 1 publish received', async () => {
    const fleet = generateFleet({
      trucks: 2,
      seed: 21,
      maxDepartAfterS: 30,
      variety: { v1Share: 0.5, faultyShare: 0, reeferShare: 1, dtcMeanHoursBetween: 0 },
      scenarioMix: [parseScenario({ name: 'junk', events: [{ type: 'sensor-fault', sensor: 'gps', fault: 'garbage', share: 0.3, at: 0 }] })],
    });
    const trucks = fleet.trucks.map((s) => createTruck(s, fleet.seed, fleet.startMs));
    const creds = new Map(trucks.flatMap((t) => t.credentials().map((c) => [c.username, c.password] as const)));
    const broker = await startBroker(creds);
    cleanups.push(() => broker.close());

    const clock = new SimClock({ startMs: fleet.startMs, speedup: 90, endMs: fleet.startMs + 4 * 60_000 });
    const rec = new GroundTruthRecorder({ seed: fleet.seed, speedup: 90, startMs: fleet.startMs, keepLog: true });
    const runs: TruckRun[] = trucks.map((t) => runTruckSensors(t, broker.url, clock, rec));
    cleanups.push(async () => void (await Promise.all(runs.map((r) => r.stop(0)))));
    await Promise.all(runs.map((r) => r.ready()));
    clock.start();
    await clock.finished();
    await Promise.all(runs.map((r) => r.stop(5000)));

    const gt = rec.snapshot();
    const sentPerTopic = new Map<string, number>();
    for (const t of Object.values(gt.trucks))
      for (const s of Object.values(t.sensors)) sentPerTopic.set(s.topic, s.telemetry.publishes + s.rejects.publishes);
    const total = [...sentPerTopic.values()].reduce((a, b) => a + b, 0);
    await until(() => [...broker.received.values()].reduce((a, l) => a + l.length, 0) >= total, 5000);

    // Each sensor logged in with its own credentials.
    expect([...broker.logins].sort()).toEqual([...creds.keys()].sort());
    // Per sensor: the broker got what the ground truth counts as sent.
    for (const [topic, sent] of sentPerTopic) expect(broker.received.get(topic)?.length ?? 0, topic).toBe(sent);
    expect(gt.telemetry.publishes).toBeGreaterThan(1000);
    expect(gt.rejects.byAnomaly.garbage).toBeGreaterThan(0);
    // With the broker up throughout, every QoS 1 publish was acknowledged and nothing was dropped.
    expect(gt.telemetry.acked.publishes).toBe(gt.telemetry.publishes - gt.telemetry.qos0.publishes);
    expect(gt.telemetry.dropped.publishes + gt.telemetry.failed.publishes).toBe(0);
    // And each acknowledged payload is among those received on its topic.
    const missing = rec
      .log()
      .filter((r) => r.state === 'acked' && !broker.received.get(r.topic)?.includes(Buffer.from(r.payload).toString('base64')));
    expect(missing).toEqual([]);
  });

  it('survives a power cut of the broker: sensors reconnect and every acknowledged publish arrives', async () => {
    const fleet = generateFleet({
      trucks: 1,
      seed: 5,
      maxDepartAfterS: 30,
      variety: { v1Share: 0, faultyShare: 0, reeferShare: 0, dtcMeanHoursBetween: 0 },
      scenarioMix: [parseScenario({ name: 'cut', events: [{ type: 'power-cut', at: '1m', duration: '30s' }] })],
    });
    const truck = createTruck(fleet.trucks[0]!, fleet.seed, fleet.startMs);
    const broker = await startBroker(new Map(truck.credentials().map((c) => [c.username, c.password])));
    cleanups.push(() => broker.close());
    const clock = new SimClock({ startMs: fleet.startMs, speedup: 60, endMs: fleet.startMs + 3 * 60_000 });
    const rec = new GroundTruthRecorder({ seed: fleet.seed, speedup: 60, startMs: fleet.startMs, keepLog: true });
    const calls: string[] = [];
    const run = runTruckSensors(truck, broker.url, clock, rec, {
      reconnectPeriodMs: 100,
      hooks: {
        onPowerCut: async (t, from, to) => {
          calls.push(`cut ${t.vehicle} ${to - from}`);
          await broker.kill();
        },
        onPowerRestore: async () => {
          calls.push('restore');
          await broker.revive();
        },
      },
    });
    cleanups.push(() => run.stop(0));
    await run.ready();
    clock.start();
    await clock.finished();
    await run.stop(5000);
    expect(calls).toEqual(['cut TRK-0001 30000', 'restore']);
    const gt = rec.snapshot();
    // The sensors lost QoS 0 messages while cut off, but kept their QoS 1 ones and had them acknowledged later.
    expect(gt.telemetry.dropped.publishes).toBeGreaterThan(0);
    expect(gt.telemetry.acked.publishes).toBe(gt.telemetry.publishes - gt.telemetry.qos0.publishes - gt.telemetry.failed.publishes);
    const acked = rec.log().filter((r) => r.state === 'acked');
    await until(() => acked.every((r) => broker.received.get(r.topic)?.includes(Buffer.from(r.payload).toString('base64'))), 5000);
    const missing = acked.filter((r) => !broker.received.get(r.topic)?.includes(Buffer.from(r.payload).toString('base64')));
    expect(missing).toEqual([]);
    const sensorClients = run.clients.filter((c) => c.connects >= 2);
    expect(sensorClients.length).toBe(run.clients.length);
  });
});
