import { Command } from 'commander';

/** Device registry operations. Filled in by the embedded hub (cloud/hub). */
export function hubCommand(): Command {
  const hub = new Command('hub').description('device registry operations of the embedded IoT Hub endpoint');
  const pending = async (): Promise<void> => {
    process.stderr.write('fleetsync hub: not available yet in this version\n');
    process.exitCode = 1;
  };
  hub.command('add-device <id>').description('register a device and print its connection string').action(pending);
  hub.command('list').description('list registered devices').action(pending);
  hub.command('disable <id>').description('disable a device').action(pending);
  hub.command('remove <id>').description('remove a device').action(pending);
  hub.command('rotate-key <id>').description('replace a device key').action(pending);
  return hub;
}
