/**
 * `fleetsync cloud --role ...` as an operator runs it. The pipeline role runs as a real process on a local spool
 * folder, importing segments written by a SpoolWriter (what an ingest replica does after reading Event Hubs, which
 * cannot run here); its IoT Hub service side is configured but never called.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpoolWriter, SPOOL_PREFIX } from '../../cloud/hub/spool/index.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { FakeGateway, hubMessage, reading } from '../pipeline/fixtures.ts';
import { removeTempDirs, tempDir, waitFor } from './support.ts';
import { cli, killCliProcesses, queryDatabase, startCli } from './cli-process.ts';

const KEY = Buffer.alloc(32, 9).toString('base64');

afterAll(async () => {
  killCliProcesses();
  await removeTempDirs();
});

describe('fleetsync cloud --role', () => {
  it('refuses a role without a real IoT Hub, and an unknown role, in one line with the field', async () => {
    const data = await tempDir();
    const ingest = cli('cloud', '--role', 'ingest', '--data', data);
    expect(ingest.status).toBe(2);
    expect(ingest.stderr).toMatch(/\/role: role 'ingest' needs mode 'azure'/);
    const bogus = cli('cloud', '--role', 'everything', '--data', data);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(/\/role/);
  });

  it('runs the pipeline role as a process: imports the spool into Bronze, reports it in /metrics, stops on SIGTERM', async () => {
    const data = await tempDir();
    const config = join(data, 'cloud.pipeline.json');
    await writeFile(
      config,
      JSON.stringify({
        mode: 'azure',
        // The service side needs only the IoT Hub: no Event Hubs, no checkpoints.
        azure: { iotHub: { connectionString: `HostName=fleet-hub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=${KEY}` }, connection: { mode: 'events' } },
        spool: { pollIntervalMs: 50 },
        pipeline: { export: { enabled: false } },
      }),
    );
    const pipeline = startCli('cloud', '--config', config, '--role', 'pipeline', '--data', data, '--api-port', '0', '--log-level', 'warn');
    await waitFor('the pipeline role to start', () => pipeline.out().includes('API and dashboard:'), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; its logs: ${pipeline.logs()}`);
    });
    expect(pipeline.out()).toMatch(/running \(azure mode, pipeline role\)/);
    const api = /API and dashboard: (http:\/\/\S+?)\/ /.exec(pipeline.out())?.[1];
    expect(api).toBeDefined();

    const spool = new LocalExportTarget(join(data, 'spool'));
    const writer = new SpoolWriter(spool, { writer: 'ingest-test', flushDelayMs: 5, maxRecords: 100, maxBytes: 1 << 20 });
    const gw = new FakeGateway();
    const t = Date.now() - 600_000;
    for (let b = 0; b < 6; b++) {
      const events = gw.stamp('telemetry', [reading(gw.vehicle, 'engine_speed', 900 + b, 'rpm', t + b * 1000)]);
      await writer.accept(hubMessage(gw.device, gw.batch('telemetry', events), t + b * 1000 + 500));
    }
    await writer.close();
    const imported = async () => {
      const m = /^fleetsync_spool_segments_imported_total (\d+)/m.exec(await (await fetch(`${api}/metrics`)).text());
      return Number(m?.[1] ?? 0);
    };
    let last = 0;
    // Each accept is awaited before the next, so each message went into a segment of its own.
    await waitFor('six segments imported', async () => (last = await imported()) >= 6, 30_000);
    expect(last).toBe(6);
    expect(await spool.list(SPOOL_PREFIX)).toEqual([]);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);

    pipeline.proc.kill('SIGTERM');
    expect(await pipeline.exited).toBe(0);
    expect(pipeline.out()).toContain('fleetsync cloud: stopped');
    expect(await queryDatabase(data, 'SELECT count(*)::INTEGER FROM bronze_batches')).toEqual([[6]]);
  }, 90_000);
});
