import { Command } from 'commander';
import { existingFile } from '../files.ts';
import { UsageError } from '../usage-error.ts';
import { loadSettingsFile } from '../../shared/settings/load-settings.ts';
import { GatewaySettings } from '../../edge/settings.ts';
import { hashPassword } from '../../edge/broker/password.ts';
import { untilSignal } from '../signals.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function gatewayCommand(): Command {
  const cmd = new Command('gateway')
    .description('the edge gateway on a truck: sensor broker, durable journal, alert engine, uplink to IoT Hub')
    .option('--config <file>', 'gateway settings file (JSON or YAML)')
    .option('--check', 'validate the settings file and exit')
    .action(async (opts: { config?: string; check?: boolean }) => {
      if (!opts.config) throw new UsageError("required option '--config <file>' not specified");
      const settings = loadSettingsFile(GatewaySettings, existingFile(opts.config, 'config file'));
      if (opts.check) {
        process.stdout.write(`${opts.config}: valid\n`);
        return;
      }
      const [{ startGateway }, { SystemdNotifier }] = await Promise.all([import('../../edge/gateway.ts'), import('../../edge/systemd-notify.ts')]);
      const gw = await startGateway(settings);
      // Under systemd (Type=notify) the unit waits for READY and restarts a gateway whose journal stops being writable.
      const notifier = new SystemdNotifier();
      await notifier.ready(`gateway ${settings.gatewayId} for ${settings.vehicle}`);
      notifier.startWatchdog({ healthy: () => gw.journal.state === 'open' });
      await untilSignal();
      notifier.stopWatchdog();
      await notifier.stopping();
      await gw.close();
    });
  cmd
    .command('hash-password')
    .description('read a sensor password from standard input and print its scrypt hash for the settings file')
    .action(async () => {
      const pw = await readStdin();
      if (!pw) throw new UsageError('no password on standard input');
      process.stdout.write(`${await hashPassword(pw)}\n`);
    });
  return cmd;
}
