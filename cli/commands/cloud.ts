import { Command } from 'commander';

export function cloudCommand(): Command {
  return new Command('cloud')
    .description('the cloud service: hub endpoint, medallion pipeline, API and dashboard')
    .option('--config <file>', 'cloud settings file (JSON)')
    .option('--data <dir>', 'data folder', '.data/cloud')
    .action(async () => {
      process.stderr.write('fleetsync cloud: not available yet in this version\n');
      process.exitCode = 1;
    });
}
