/**
 * `fleetsync cloud replay`: rebuilds Silver and Gold (and the Parquet export) from Bronze, deterministically.
 * Register with `registerCloudReplay(cloudCommand)`.
 */
import type { Command } from 'commander';
import { openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { explainOpenError, pipelineOptionsFrom } from './cloud-pipeline-opts.ts';

export function registerCloudReplay(parent: Command): void {
  parent
    .command('replay')
    .description('rebuild Silver and Gold (and the export) from Bronze; the cloud service must be stopped')
    .option('--config <file>', 'cloud settings file (JSON or YAML)')
    .option('--data <dir>', 'data folder (default .data/cloud)')
    .option('--verify', 'compare canonical digests of every Silver and Gold table before and after; exit 1 on any difference')
    .action(async (o: { verify?: boolean }, cmd: Command) => {
      const opts = pipelineOptionsFrom(cmd);
      const p = await openPipeline(opts).catch((err: unknown) => explainOpenError(err, opts.dataDir));
      try {
        // Bring Silver up to date first, so that --verify compares like with like.
        if (o.verify) await p.processPending();
        const before = o.verify ? await p.digest() : undefined;
        const started = Date.now();
        const r = await p.replay();
        process.stdout.write(
          `fleetsync cloud replay: ${r.silver.batches} Bronze batches, ${r.silver.events} events -> Silver; ` +
            `${r.gold.partitions} Gold partitions; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
        if (before) {
          const after = await p.digest();
          const differ = Object.keys(before).filter((t) => before[t]!.sha256 !== after[t]?.sha256);
          for (const t of Object.keys(after)) process.stdout.write(`  ${t.padEnd(26)} ${String(after[t]!.rows).padStart(10)} rows  ${after[t]!.sha256.slice(0, 16)}${differ.includes(t) ? '  CHANGED' : ''}\n`);
          if (differ.length) {
            process.stdout.write(`fleetsync cloud replay: ${differ.length} table(s) differ from before the replay\n`);
            process.exitCode = 1;
          } else process.stdout.write('fleetsync cloud replay: every table is identical to before the replay\n');
        }
      } finally {
        await p.close();
      }
    });
}
