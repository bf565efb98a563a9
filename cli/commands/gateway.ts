import { Command } from 'commander';
import { existingFile } from '../files.ts';

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('the edge gateway on a truck: sensor broker, durable journal, alert engine, uplink to IoT Hub')
    .requiredOption('--config <file>', 'gateway settings file (JSON)')
    .action(async (opts: { config: string }) => {
      existingFile(opts.config, 'config file');
      process.stderr.write('fleetsync gateway: not available yet in this version\n');
      process.exitCode = 1;
    });
}
