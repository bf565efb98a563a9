import { Command, CommanderError } from 'commander';
import { UsageError, EXIT_USAGE } from './usage-error.ts';
import { demoCommand } from './commands/demo.ts';
import { cloudCommand } from './commands/cloud.ts';
import { hubCommand } from './commands/hub.ts';
import { gatewayCommand } from './commands/gateway.ts';
import { simCommand } from './commands/sim.ts';
import { VERSION } from '../shared/version.ts';
import { SettingsError } from '../shared/settings/load-settings.ts';

export function buildProgram(): Command {
  const program = new Command('fleetsync')
    .description('Edge-first telemetry for truck fleets')
    .version(VERSION)
    .showSuggestionAfterError(true);
  for (const make of [demoCommand, cloudCommand, hubCommand, gatewayCommand, simCommand]) {
    program.addCommand(make());
  }
  // Every (sub)command reports parse errors through one path, so all of them exit 2 with one line.
  const quiet = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ outputError: () => undefined });
    cmd.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

/** Runs the CLI and returns the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      process.stderr.write(`fleetsync: ${err.message.replace(/^error: /, '').split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof UsageError || err instanceof SettingsError) {
      process.stderr.write(`fleetsync: ${err.message}\n`);
      return EXIT_USAGE;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`fleetsync: ${msg}\n`);
    if (process.env.FLEETSYNC_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
    return 1;
  }
}
