/** Options the pipeline maintenance subcommands share: settings file and data folder, as `fleetsync cloud` takes them. */
import type { Command } from 'commander';
import { UsageError } from '../usage-error.ts';
import { cloudSettingsFrom } from './cloud.ts';
import type { OpenPipelineOptions } from '../../cloud/pipeline/pipeline.ts';

export interface PipelineCliOpts {
  config?: string;
  data?: string;
}

/** `--config` / `--data` given to the subcommand win over those given to `fleetsync cloud`. */
export function pipelineOptionsFrom(cmd: Command): Pick<OpenPipelineOptions, 'dataDir' | 'settings'> {
  const o = cmd.optsWithGlobals<PipelineCliOpts>();
  const settings = cloudSettingsFrom({ ...(o.config ? { config: o.config } : {}), ...(o.data ? { data: o.data } : {}) });
  return { dataDir: settings.dataDir, settings: settings.pipeline };
}

/** DuckDB allows one writer process per file: say so plainly when the service holds it. */
export function explainOpenError(err: unknown, dataDir: string): never {
  const msg = err instanceof Error ? err.message : String(err);
  if (/lock|Conflicting lock|already open/i.test(msg))
    throw new UsageError(`the pipeline database in ${dataDir} is in use (stop 'fleetsync cloud' first)`);
  throw err;
}
