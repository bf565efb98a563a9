/**
 * `fleetsync cloud spool status | requeue`: the spool between ingest replicas and the pipeline, as an operator
 * sees it. Works while the service runs (the spool is object storage, not the pipeline's database).
 */
import type { Command } from 'commander';
import { cloudSettingsFrom } from './cloud.ts';
import { UsageError } from '../usage-error.ts';
import { makeSpoolTarget } from '../../cloud/hub/spool/index.ts';
import { requeueQuarantined, spoolStatus, SpoolAdminError } from '../../cloud/hub/spool/spool-admin.ts';
import type { PipelineCliOpts } from './cloud-pipeline-opts.ts';

function spoolTarget(cmd: Command) {
  const o = cmd.optsWithGlobals<PipelineCliOpts>();
  const settings = cloudSettingsFrom({ ...(o.config ? { config: o.config } : {}), ...(o.data ? { data: o.data } : {}) });
  return makeSpoolTarget(settings.spool, settings.dataDir);
}

export function registerCloudSpool(parent: Command): void {
  const spool = parent.command('spool').description('the spool between ingest replicas and the pipeline (role ingest / pipeline)');
  spool
    .command('status')
    .description('segments waiting for the pipeline, the oldest one\'s age, and quarantined segments with their reasons')
    .option('--config <file>', 'cloud settings file (JSON or YAML)')
    .option('--data <dir>', 'data folder (default .data/cloud)')
    .action(async (_o: unknown, cmd: Command) => {
      const target = spoolTarget(cmd);
      const s = await spoolStatus(target);
      const age = s.oldestPendingAgeMs === null ? '' : `, oldest ${(s.oldestPendingAgeMs / 1000).toFixed(0)} s old`;
      process.stdout.write(`spool ${target.location}: ${s.pending} segment(s) pending${age}; ${s.quarantined.length} quarantined\n`);
      for (const q of s.quarantined) process.stdout.write(`  ${q.key} (${q.bytes} bytes): ${q.reason}\n`);
      await target.close();
    });
  spool
    .command('requeue [keys...]')
    .description('move quarantined segments back into the spool once they can be read (e.g. after upgrading the pipeline)')
    .option('--config <file>', 'cloud settings file (JSON or YAML)')
    .option('--data <dir>', 'data folder (default .data/cloud)')
    .option('--force', 'requeue segments even if this release cannot read them')
    .action(async (keys: string[], o: { force?: boolean }, cmd: Command) => {
      const target = spoolTarget(cmd);
      try {
        const r = await requeueQuarantined(target, { ...(keys.length ? { keys } : {}), ...(o.force ? { force: true } : {}) });
        process.stdout.write(`fleetsync cloud spool requeue: ${r.requeued.length} segment(s) back in the spool\n`);
        for (const k of r.kept) process.stdout.write(`  kept ${k.key}: ${k.reason} (--force to requeue anyway)\n`);
        if (r.kept.length) process.exitCode = 1;
      } catch (err) {
        if (err instanceof SpoolAdminError) throw new UsageError(err.message);
        throw err;
      } finally {
        await target.close();
      }
    });
}
