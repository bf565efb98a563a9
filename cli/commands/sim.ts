import { Command } from 'commander';
import { positiveInt } from '../files.ts';

export function simCommand(): Command {
  return new Command('sim')
    .description('the fleet simulator: realistic trucks whose sensors drive real gateways')
    .option('--trucks <n>', 'number of trucks', positiveInt('--trucks'), 5)
    .option('--seed <n>', 'deterministic seed', positiveInt('--seed'), 1)
    .option('--speedup <x>', 'simulated seconds per real second', positiveInt('--speedup'), 60)
    .action(async () => {
      process.stderr.write('fleetsync sim: not available yet in this version\n');
      process.exitCode = 1;
    });
}
