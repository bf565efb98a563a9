/**
 * `fleetsync cloud erase --vehicle <id> | --driver <id>`: removes a data subject from every layer (Bronze
 * included) and the Parquet export, writes an audit row, then rewrites the database file so that no freed block
 * keeps a copy. Register with `registerCloudErase(cloudCommand)`.
 */
import type { Command } from 'commander';
import { compactIfPending, openPipeline } from '../../cloud/pipeline/pipeline.ts';
import { UsageError } from '../usage-error.ts';
import { explainOpenError, pipelineOptionsFrom } from './cloud-pipeline-opts.ts';

export function registerCloudErase(parent: Command): void {
  parent
    .command('erase')
    .description('erase a vehicle or a driver from every layer and the export; the cloud service must be stopped')
    .option('--vehicle <id>', 'the vehicle to erase')
    .option('--driver <id>', 'the driver to erase (the id as sent in driver_id readings)')
    .option('--reference <text>', 'a request or ticket reference for the audit record (must not name the subject)')
    .option('--config <file>', 'cloud settings file (JSON or YAML)')
    .option('--data <dir>', 'data folder (default .data/cloud)')
    .action(async (o: { vehicle?: string; driver?: string; reference?: string }, cmd: Command) => {
      if ((o.vehicle === undefined) === (o.driver === undefined)) throw new UsageError('give exactly one of --vehicle <id> or --driver <id>');
      const id = (o.vehicle ?? o.driver)!;
      if (id.trim() === '') throw new UsageError('the subject id must not be empty');
      if (o.reference?.includes(id)) throw new UsageError('--reference must not contain the subject id (the audit record keeps it)');
      const opts = pipelineOptionsFrom(cmd);
      const p = await openPipeline(opts).catch((err: unknown) => explainOpenError(err, opts.dataDir));
      let report;
      try {
        report = await p.erase(o.vehicle !== undefined ? { vehicle: o.vehicle } : { driver: id }, o.reference !== undefined ? { reference: o.reference } : {});
      } finally {
        await p.close();
      }
      await compactIfPending(opts.dataDir);
      const removed = Object.entries(report.deleted).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`);
      process.stdout.write(
        `fleetsync cloud erase: ${report.subjectKind} erased (audit ${report.eraseId})\n` +
          `  removed rows: ${removed.length ? removed.join(', ') : 'none found'}\n` +
          `  Bronze batches re-encoded without the subject: ${report.bronzeRewritten}\n` +
          `  Gold partitions recomputed: ${report.goldPartitions}; export partitions rewritten: ${report.exportPartitions}\n` +
          `  database file rewritten\n`,
      );
    });
}
