/**
 * The endpoint restarted on the same data folder and port: twins, sessions and acknowledged telemetry survive.
 * Devices are real azure-iot-device clients over TLS.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedHub } from '../../cloud/hub/embedded-hub.ts';
import { SpoolSink } from '../../cloud/hub/spool-sink.ts';
import { DeviceRegistry, connectionString } from '../../cloud/hub/registry.ts';
import { hubPaths } from '../../cloud/hub/paths.ts';
import type { IngestSink } from '../../cloud/hub/ingest-sink.ts';
import {
  addDevice,
  captureLog,
  closeQuietly,
  MemorySink,
  Message,
  openDevice,
  removeTempDirs,
  tempDir,
  waitFor,
  type DeviceClient,
  type LogRecord,
} from './support.ts';

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await removeTempDirs();
});

/** The endpoint in its own process, so it can be killed without warning. */
async function spawnHub(dataDir: string, port: number): Promise<{ proc: ChildProcess; port: number; caFile: string }> {
  const script = fileURLToPath(new URL('./fixtures/hub-process.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script, dataDir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const line = await waitFor('the hub process to listen', () => (out.includes('\n') ? out.split('\n')[0] : undefined), 30_000);
  return { proc, ...(JSON.parse(line!) as { port: number; caFile: string }) };
}

/** Sends with a window of 4 until stopped, replacing the client when the SDK gives up on it; records what was acknowledged. */
function keepSending(cs: string, ca: string, acked: Set<string>, prefix: string): { stop: () => Promise<void> } {
  let stop = false;
  let n = 0;
  const run = (async (): Promise<void> => {
    let client: DeviceClient | undefined;
    while (!stop) {
      if (!client) {
        // A failed first open() is never retried by the SDK: retry here with a new client.
        const c = await openDevice(cs, ca).catch(() => undefined);
        if (!c) {
          await sleep(100);
          continue;
        }
        client = c;
        c.on('disconnect', () => {
          if (client === c) client = undefined;
          void closeQuietly(c);
        });
      }
      const c = client;
      const window = Array.from({ length: 4 }, () => {
        const id = `${prefix}-${++n}`;
        const msg = new Message(JSON.stringify({ n }));
        msg.messageId = id;
        return c.sendEvent(msg).then(() => acked.add(id));
      });
      await Promise.allSettled(window);
    }
    await closeQuietly(client);
  })();
  return {
    stop: async () => {
      stop = true;
      await run;
    },
  };
}

async function spooledIds(path: string): Promise<Set<string>> {
  const spool = await SpoolSink.open(path);
  const stored = new Set<string>();
  for (let after = 0; ; ) {
    const page = await spool.read({ after, limit: 1000 });
    if (page.length === 0) break;
    for (const r of page) if (r.system.messageId) stored.add(r.system.messageId);
    after = page[page.length - 1]!.seq;
  }
  await spool.close();
  return stored;
}

const logs = new WeakMap<EmbeddedHub, LogRecord[]>();
async function startOn(dataDir: string, port: number, sink: IngestSink): Promise<EmbeddedHub> {
  const { logger, records } = captureLog();
  const hub = new EmbeddedHub({ dataDir, port, bind: '127.0.0.1' }, { logger });
  logs.set(hub, records);
  await hub.start(sink);
  return hub;
}

const updateReported = (twin: Awaited<ReturnType<DeviceClient['getTwin']>>, patch: Record<string, unknown>) =>
  new Promise<void>((resolve, reject) => twin.properties.reported.update(patch, (e?: Error) => (e ? reject(e) : resolve())));

describe('embedded hub restart', () => {
  it('keeps twins: get, reported and desired work after a restart', async () => {
    const dataDir = await tempDir();
    const sink = new MemorySink();
    let hub = await startOn(dataDir, 0, sink);
    const port = hub.port;
    const cs = await addDevice(hub, 'truck-twin');
    let client = await openDevice(cs, hub.caPem);
    await updateReported(await client.getTwin(), { firmware: '1.0.0' });
    await hub.updateDesired('truck-twin', { setpoint: -18 });
    await closeQuietly(client);
    await hub.stop();

    hub = await startOn(dataDir, port, sink);
    const twin = await hub.getTwin('truck-twin');
    expect(twin.reported).toMatchObject({ firmware: '1.0.0', $version: 2 });
    expect(twin.desired).toMatchObject({ setpoint: -18, $version: 2 });

    client = await openDevice(cs, hub.caPem);
    const deviceTwin = await client.getTwin();
    expect(deviceTwin.properties.desired.setpoint).toBe(-18);
    expect(deviceTwin.properties.reported.firmware).toBe('1.0.0');
    await updateReported(deviceTwin, { firmware: '1.1.0' });
    expect((await hub.getTwin('truck-twin')).reported).toMatchObject({ firmware: '1.1.0', $version: 3 });
    const patches: number[] = [];
    deviceTwin.on('properties.desired', (d: { setpoint?: number }) => {
      if (typeof d.setpoint === 'number') patches.push(d.setpoint);
    });
    await hub.updateDesired('truck-twin', { setpoint: -20 });
    await waitFor('the desired patch', () => patches.includes(-20));
    await closeQuietly(client);
    await hub.stop();
  });

  it('keeps sessions: a device that reconnects silently (clean=false) still gets desired patches and method calls', async () => {
    const dataDir = await tempDir();
    const sink = new MemorySink();
    let hub = await startOn(dataDir, 0, sink);
    const port = hub.port;
    const cs = await addDevice(hub, 'truck-session');
    const client = await openDevice(cs, hub.caPem);
    const twin = await client.getTwin();
    const desired: Record<string, unknown>[] = [];
    twin.on('properties.desired', (d: Record<string, unknown>) => desired.push(JSON.parse(JSON.stringify(d)) as Record<string, unknown>));
    let calls = 0;
    client.onDeviceMethod('ping', (_req, res) => {
      calls++;
      void res.send(200, { pong: calls });
    });
    await waitFor('the method subscription', () => hub.invokeMethod('truck-session', 'ping', null, 5).catch(() => undefined));
    await waitFor('the initial desired document', () => desired.length > 0);

    await hub.stop();
    hub = await startOn(dataDir, port, sink);
    // Made while the device is away: it gets the difference when its session comes back.
    await hub.updateDesired('truck-session', { mode: 'defrost', fan: 3 });
    // The SDK reconnects on its own and does not subscribe again: only the restored session can route these.
    await waitFor('the device to reconnect', () => hub.connectedDevices().includes('truck-session'), 30_000);
    await waitFor('the catch-up patch', () => desired.some((d) => d.mode === 'defrost'));
    await hub.updateDesired('truck-session', { fan: null });
    await waitFor('the deletion', () => desired.some((d) => 'fan' in d && d.fan === null));
    expect(twin.properties.desired.fan).toBeUndefined();
    expect(twin.properties.desired.mode).toBe('defrost');
    const answer = await hub.invokeMethod('truck-session', 'ping', null, 5);
    expect(answer.status).toBe(200);
    // The restored session carried the desired patches: the SDK never subscribed to them again on the new instance
    // (it does renew its method subscription).
    const records = logs.get(hub)!;
    const renewed = records.filter((r) => r.event === 'subscribed' && r.deviceId === 'truck-session').flatMap((r) => r.topics as string[]);
    expect(renewed).not.toContain('$iothub/twin/PATCH/properties/desired/#');
    expect(records.find((r) => r.event === 'device-connected' && r.deviceId === 'truck-session')).toMatchObject({
      clean: false,
      restored: expect.arrayContaining(['$iothub/methods/POST/#', '$iothub/twin/PATCH/properties/desired/#']),
    });
    await closeQuietly(client);
    await hub.stop();
  });

  it('loses no acknowledged telemetry when the endpoint restarts under load', async () => {
    const dataDir = await tempDir();
    const spoolPath = join(dataDir, 'spool');
    const spool = await SpoolSink.open(spoolPath);
    let hub = await startOn(dataDir, 0, spool);
    const port = hub.port;
    const ca = hub.caPem;
    const cs = await addDevice(hub, 'truck-load');

    const acked = new Set<string>();
    const sender = keepSending(cs, ca, acked, 'graceful');
    await waitFor('traffic', () => acked.size >= 40, 20_000);
    await hub.stop();
    await sleep(200);
    hub = await startOn(dataDir, port, spool);
    const atRestart = acked.size;
    await waitFor('traffic after the restart', () => acked.size >= atRestart + 40, 30_000);
    await sender.stop();
    await hub.stop();
    await spool.close();

    const stored = await spooledIds(spoolPath);
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(acked.size).toBeGreaterThan(80);
  });

  it('loses no acknowledged telemetry when the endpoint process is killed with SIGKILL under load', async () => {
    const dataDir = await tempDir();
    const first = await spawnHub(dataDir, 0);
    const ca = await readFile(first.caFile, 'utf8');
    // Registered by another process while the endpoint runs, as `fleetsync hub add-device` would.
    const { hubName, device } = await new DeviceRegistry(hubPaths(dataDir).registry, 'unused').add('truck-crash');
    const cs = connectionString(hubName, 'truck-crash', device.primaryKey, `127.0.0.1:${first.port}`);

    const acked = new Set<string>();
    const sender = keepSending(cs, ca, acked, 'crash');
    await waitFor('traffic', () => acked.size >= 40, 30_000);
    first.proc.kill('SIGKILL');
    await new Promise((resolve) => first.proc.once('exit', resolve));
    const atKill = acked.size;
    const second = await spawnHub(dataDir, first.port);
    await waitFor('traffic after the restart', () => acked.size >= atKill + 40, 60_000);
    await sender.stop();
    second.proc.kill('SIGKILL');
    await new Promise((resolve) => second.proc.once('exit', resolve));

    const stored = await spooledIds(join(dataDir, 'spool'));
    expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
  });
});
