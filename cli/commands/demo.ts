import { Command } from 'commander';
import { positiveInt } from '../files.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole system on one machine: cloud, hub endpoint and simulated trucks with their gateways')
    .option('--trucks <n>', 'number of simulated trucks', positiveInt('--trucks'), 10)
    .option('--speedup <x>', 'simulated seconds per real second', positiveInt('--speedup'), 60)
    .option('--data <dir>', 'data folder', '.data/demo')
    .option('--port <port>', 'HTTP port of the API and dashboard', positiveInt('--port'), 8080)
    .option('--duration <seconds>', 'stop after this many real seconds', positiveInt('--duration'))
    .action(async () => {
      process.stderr.write('fleetsync demo: the demo is not assembled yet in this version\n');
      process.exitCode = 1;
    });
}
