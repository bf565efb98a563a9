import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { UsageError } from '../usage-error.ts';
import { hubPaths } from '../../cloud/hub/paths.ts';
import { DeviceRegistry, RegistryError, connectionString, type DeviceRecord } from '../../cloud/hub/registry.ts';
import { DEFAULT_HUB_NAME, DEFAULT_MQTTS_PORT } from '../../cloud/hub/settings.ts';

const DEFAULT_DATA = '.data/cloud';

interface CommonOpts {
  data: string;
  hubName?: string;
  gateway?: string;
}

/** The host:port devices should dial: as recorded by the last `fleetsync cloud` on this data folder. */
async function gatewayHost(data: string, override?: string): Promise<string> {
  if (override) return override;
  try {
    const rec = JSON.parse(await readFile(hubPaths(data).endpoint, 'utf8')) as { gatewayHost?: unknown };
    if (typeof rec.gatewayHost === 'string' && rec.gatewayHost) return rec.gatewayHost;
  } catch {
    // Not started yet on this folder: the default port on this machine.
  }
  return `localhost:${DEFAULT_MQTTS_PORT}`;
}

/** Registry mistakes (duplicate, unknown, invalid id) are usage errors: one line, exit code 2. */
async function registryCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RegistryError && (err.code === 'DUPLICATE' || err.code === 'NOT_FOUND' || err.code === 'INVALID_ID')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}

const registryOf = (o: CommonOpts): DeviceRegistry => new DeviceRegistry(hubPaths(o.data).registry, o.hubName ?? DEFAULT_HUB_NAME);

const withCommon = (cmd: Command, gateway = false): Command => {
  cmd.option('--data <dir>', 'data folder (the same as for `fleetsync cloud`)', DEFAULT_DATA);
  cmd.option('--hub-name <name>', `hub name if the registry is new (default ${DEFAULT_HUB_NAME})`);
  if (gateway) cmd.option('--gateway <host:port>', 'GatewayHostName to print (default: the address of the last started endpoint)');
  return cmd;
};

async function printConnectionString(o: CommonOpts, hubName: string, d: DeviceRecord, key: 'primary' | 'secondary'): Promise<void> {
  const cs = connectionString(hubName, d.deviceId, key === 'primary' ? d.primaryKey : d.secondaryKey, await gatewayHost(o.data, o.gateway));
  process.stdout.write(`${cs}\n`);
}

/** Device registry operations of the embedded IoT Hub endpoint. Safe to run while the endpoint is running. */
export function hubCommand(): Command {
  const hub = new Command('hub').description('device registry operations of the embedded IoT Hub endpoint');

  withCommon(hub.command('add-device <id>').description('register a device and print its connection string'), true).action(
    async (id: string, o: CommonOpts) => {
      const { hubName, device } = await registryCall(() => registryOf(o).add(id));
      await printConnectionString(o, hubName, device, 'primary');
    },
  );

  withCommon(hub.command('connection-string <id>').description("print a device's connection string"), true)
    .option('--secondary', 'with the secondary key')
    .action(async (id: string, o: CommonOpts & { secondary?: boolean }) => {
      const reg = registryOf(o);
      const d = await reg.get(id);
      if (!d) throw new UsageError(`unknown device '${id}'`);
      await printConnectionString(o, await reg.hubName(), d, o.secondary ? 'secondary' : 'primary');
    });

  withCommon(hub.command('list').description('list registered devices'))
    .option('--json', 'one JSON object per line, keys included')
    .action(async (o: CommonOpts & { json?: boolean }) => {
      const devices = await registryOf(o).list();
      if (o.json) {
        for (const d of devices) process.stdout.write(`${JSON.stringify(d)}\n`);
        return;
      }
      const w = Math.max(9, ...devices.map((d) => d.deviceId.length));
      process.stdout.write(`${'DEVICE ID'.padEnd(w)}  STATUS    CREATED\n`);
      for (const d of devices) process.stdout.write(`${d.deviceId.padEnd(w)}  ${(d.disabled ? 'disabled' : 'enabled').padEnd(8)}  ${d.createdAt}\n`);
    });

  withCommon(hub.command('disable <id>').description('disable a device; its live connection is closed')).action(async (id: string, o: CommonOpts) => {
    await registryCall(() => registryOf(o).setDisabled(id, true));
    process.stdout.write(`disabled ${id}\n`);
  });

  withCommon(hub.command('enable <id>').description('enable a disabled device')).action(async (id: string, o: CommonOpts) => {
    await registryCall(() => registryOf(o).setDisabled(id, false));
    process.stdout.write(`enabled ${id}\n`);
  });

  withCommon(hub.command('remove <id>').description('remove a device; its live connection is closed')).action(async (id: string, o: CommonOpts) => {
    await registryCall(() => registryOf(o).remove(id));
    process.stdout.write(`removed ${id}\n`);
  });

  withCommon(hub.command('rotate-key <id>').description('replace a device key (primary unless --secondary) and print the new connection string'), true)
    .option('--secondary', 'replace the secondary key')
    .action(async (id: string, o: CommonOpts & { secondary?: boolean }) => {
      const which = o.secondary ? 'secondary' : 'primary';
      const { hubName, device } = await registryCall(() => registryOf(o).rotateKey(id, which));
      await printConnectionString(o, hubName, device, which);
    });

  return hub;
}
