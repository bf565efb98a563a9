/**
 * The cloud service (`fleetsync cloud`: hub endpoint + pipeline in one process) killed with SIGKILL in the middle
 * of ingest, `kills` times, and restarted on the same data folder and port, while devices send real wire batches
 * through the SDK. Afterwards every batch whose sendEvent resolved is in Bronze exactly once, and Silver holds every
 * acknowledged reading exactly once. Shared by the fast test (2-3 kills) and the chaos suite (10 kills).
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pipeline } from '../../../cloud/pipeline/pipeline.ts';
import { DeviceRegistry, connectionString } from '../../../cloud/hub/registry.ts';
import { hubPaths } from '../../../cloud/hub/paths.ts';
import { prng } from '../../gateway/checks.ts';
import { tempDir } from '../../hub/support.ts';
import { BatchSender } from '../batch-sender.ts';
import { queryPipelineFile, spawnCloud, waitFor, type CloudProcess } from '../support.ts';

export interface CloudKillFigures {
  kills: number;
  seed: number;
  devices: number;
  batchesAcked: number;
  readingsAcked: number;
  sendFailures: number;
  reconnects: number;
  /** Acknowledged batches missing from Bronze. */
  bronzeMissing: number;
  /** Acknowledged batches stored more than once. */
  bronzeDuplicated: number;
  silverReadings: number;
  silverDistinct: number;
  /** Acknowledged readings missing from Silver. */
  lost: number;
  /** Silver rows beyond one per reading. */
  duplicated: number;
  bronzeRedeliveries: number;
  /** Restarts that found the data folder intact (all of them, or the service could not start). */
  restarts: number;
}

export async function runCloudKill(opts: { kills: number; devices?: number; seed?: number }): Promise<CloudKillFigures> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const dataDir = await tempDir('fleetsync-cloud-kill-');
  let cloud: CloudProcess = await spawnCloud(dataDir, 0);
  const port = cloud.port;
  const ca = await readFile(cloud.caFile, 'utf8');
  const registry = new DeviceRegistry(hubPaths(dataDir).registry, 'unused');
  const senders: BatchSender[] = [];
  for (let i = 1; i <= (opts.devices ?? 3); i++) {
    const id = `gw-kill-${i}`;
    const { hubName, device } = await registry.add(id);
    const cs = connectionString(hubName, id, device.primaryKey, `127.0.0.1:${port}`);
    senders.push(new BatchSender({ deviceId: id, vehicle: `truck-kill-${i}`, connectionString: cs, ca, batchSize: 10, window: 4 }));
  }
  const acked = (): number => senders.reduce((n, s) => n + s.acked.size, 0);
  try {
    for (const s of senders) s.start();
    await waitFor('traffic before the first kill', () => acked() >= 20, 60_000);
    let restarts = 0;
    for (let k = 0; k < opts.kills; k++) {
      await sleep(300 + random() * 2000);
      const before = acked();
      await cloud.kill9();
      cloud = await spawnCloud(dataDir, port);
      restarts++;
      // The restarted service takes data again before the next kill.
      await waitFor(`traffic after restart ${k + 1}`, () => acked() >= before + 20, 90_000);
    }
    for (const s of senders) await s.finish();
    // A clean stop: Bronze drained, database checkpointed.
    const code = await cloud.term();
    if (code !== 0) throw new Error(`fleetsync cloud exited with ${code}: ${cloud.stderr().slice(-2000)}`);

    // Silver catches up on the same folder (the service may have stopped before processing everything).
    const pipeline = await Pipeline.open({ dataDir, settings: { export: { enabled: false } } });
    await pipeline.processPending();
    await pipeline.close();

    return await queryPipelineFile(dataDir, async (q) => {
      const bronze = new Map<string, number>();
      for (const [device, mid, n] of await q(`SELECT device_id, message_id, count(*) FROM bronze_batches GROUP BY ALL`)) bronze.set(`${device}/${mid}`, Number(n));
      let bronzeMissing = 0;
      let bronzeDuplicated = 0;
      for (const s of senders) {
        for (const id of s.acked.keys()) {
          const n = bronze.get(`${s.o.deviceId}/${id}`) ?? 0;
          if (n === 0) bronzeMissing++;
          if (n > 1) bronzeDuplicated++;
        }
      }
      let silverReadings = 0;
      let silverDistinct = 0;
      let lost = 0;
      for (const s of senders) {
        const seqs = new Set<number>();
        const rows = await q(`SELECT seq FROM silver_readings WHERE vehicle = '${s.o.vehicle}'`);
        silverReadings += rows.length;
        for (const [seq] of rows) seqs.add(Number(seq));
        silverDistinct += seqs.size;
        for (const w of s.acked.values()) for (let x = w.firstSeq; x <= w.lastSeq; x++) if (!seqs.has(x)) lost++;
      }
      const [[redeliveries]] = (await q(`SELECT coalesce(sum(batches), 0) FROM bronze_duplicates`)) as [[bigint]];
      return {
        kills: opts.kills,
        seed,
        devices: senders.length,
        batchesAcked: acked(),
        readingsAcked: senders.reduce((n, s) => n + s.ackedReadings, 0),
        sendFailures: senders.reduce((n, s) => n + s.failures, 0),
        reconnects: senders.reduce((n, s) => n + s.reconnects, 0),
        bronzeMissing,
        bronzeDuplicated,
        silverReadings,
        silverDistinct,
        lost,
        duplicated: silverReadings - silverDistinct,
        bronzeRedeliveries: Number(redeliveries),
        restarts,
      };
    });
  } finally {
    await cloud.kill9().catch(() => undefined);
  }
}
