/** `fleetsync hub ...` and `fleetsync cloud` as a user runs them: separate processes on one data folder. */
import { describe, it, expect, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import { Client, Message, Mqtt, closeQuietly, removeTempDirs, tempDir, waitFor } from './support.ts';
import { cli, killCliProcesses, queryDatabase, runInProcess as inProcess, startCli } from './cli-process.ts';

const CS = /^HostName=fleetsync-local\.azure-devices\.net;DeviceId=([^;]+);SharedAccessKey=([A-Za-z0-9+/=]{44});GatewayHostName=(\S+)$/;

afterAll(async () => {
  killCliProcesses();
  await removeTempDirs();
});

describe('fleetsync hub (registry commands)', () => {
  it('adds, lists, rotates, disables and removes devices; mistakes are one line and exit code 2', async () => {
    const data = await tempDir();
    const add = await inProcess('hub', 'add-device', 'truck-7', '--data', data);
    expect(add.status).toBe(0);
    const m = CS.exec(add.stdout.trim());
    expect(m?.[1]).toBe('truck-7');
    expect(m?.[3]).toBe('localhost:8883');

    for (const [args, text] of [
      [['hub', 'add-device', 'truck-7', '--data', data], "device 'truck-7' already exists"],
      [['hub', 'add-device', 'no/slash', '--data', data], "invalid device id 'no/slash'"],
      [['hub', 'disable', 'ghost', '--data', data], "unknown device 'ghost'"],
      [['hub', 'remove', 'ghost', '--data', data], "unknown device 'ghost'"],
      [['hub', 'rotate-key', 'ghost', '--data', data], "unknown device 'ghost'"],
      [['hub', 'connection-string', 'ghost', '--data', data], "unknown device 'ghost'"],
    ] as const) {
      const r = await inProcess(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`fleetsync: ${text}`);
    }

    const rotated = await inProcess('hub', 'rotate-key', 'truck-7', '--secondary', '--data', data, '--gateway', 'fleet.example:9999');
    expect(rotated.status).toBe(0);
    const r = CS.exec(rotated.stdout.trim());
    expect(r?.[3]).toBe('fleet.example:9999');
    expect(r?.[2]).not.toBe(m?.[2]);
    expect((await inProcess('hub', 'connection-string', 'truck-7', '--secondary', '--data', data, '--gateway', 'x:1')).stdout.trim()).toBe(
      rotated.stdout.trim().replace('fleet.example:9999', 'x:1'),
    );

    expect((await inProcess('hub', 'disable', 'truck-7', '--data', data)).status).toBe(0);
    expect((await inProcess('hub', 'list', '--data', data)).stdout).toMatch(/^truck-7\s+disabled\s/m);
    expect((await inProcess('hub', 'enable', 'truck-7', '--data', data)).status).toBe(0);
    expect((await inProcess('hub', 'list', '--data', data)).stdout).toMatch(/^truck-7\s+enabled\s/m);
    expect((await inProcess('hub', 'remove', 'truck-7', '--data', data)).status).toBe(0);
    expect((await inProcess('hub', 'list', '--data', data)).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad port for the cloud command with one line and exit code 2', async () => {
    const r = await inProcess('cloud', '--port', '70000');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("fleetsync: --port must be an integer 0-65535, got '70000'");
  });
});

describe('fleetsync cloud', () => {
  it('serves devices registered while it runs, stores their telemetry in Bronze, honours disable, stops cleanly on SIGTERM', async () => {
    const data = await tempDir();
    const cloud = startCli('cloud', '--data', data, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn');
    await waitFor('the endpoint to start', () => cloud.out().includes('CA certificate:'), 30_000);
    const caFile = /CA certificate:\s+(\S+)/.exec(cloud.out())?.[1];
    expect(cloud.out()).toMatch(/hub name fleetsync-local\.azure-devices\.net/);

    const add = cli('hub', 'add-device', 'truck-live', '--data', data);
    const cs = add.stdout.trim();
    expect(CS.exec(cs)?.[3]).toMatch(/^127\.0\.0\.1:\d+$/);
    const client = Client.fromConnectionString(cs, Mqtt);
    await client.setOptions({ ca: await readFile(caFile!, 'utf8') });
    await client.open();
    const msg = new Message('{"temp":-19}');
    msg.messageId = 'cli-1';
    await client.sendEvent(msg);
    // The registry is edited by another process while the endpoint runs: the live connection is closed.
    expect(cli('hub', 'disable', 'truck-live', '--data', data).status).toBe(0);
    await waitFor('the connection to be closed', () => cloud.logs().split('\n').some((l) => l.includes('"event":"connection-closed"') && l.includes('"reason":"disabled-device"')));
    await closeQuietly(client);

    cloud.proc.kill('SIGTERM');
    expect(await cloud.exited).toBe(0);
    expect(cloud.out()).toContain('fleetsync cloud: stopped');

    // Bronze keeps the body exactly as received, even one that is not a batch (Silver quarantines it).
    const rows = await queryDatabase(data, 'SELECT device_id, message_id, decode(body) FROM bronze_batches');
    expect(rows).toEqual([['truck-live', 'cli-1', '{"temp":-19}']]);
  });
});
