/**
 * Checks a gateway settings file with the schema of the release it runs from, before install.sh switches to that
 * release. Prints the errors with their field paths and exits 1; prints a one-line summary and exits 0 when usable.
 *
 *   node --import tsx deploy/edge/check-config.ts /etc/fleetsync/gateway.json [--data-dir /var/lib/fleetsync]
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadSettingsFile } from '../../shared/settings/load-settings.ts';
import { GatewaySettings } from '../../edge/settings.ts';

const [file, flag, dataRoot] = process.argv.slice(2);
if (!file || (flag !== undefined && (flag !== '--data-dir' || !dataRoot))) {
  process.stderr.write('usage: check-config.ts <gateway.json> [--data-dir <folder the unit may write>]\n');
  process.exit(2);
}

const problems: string[] = [];
const warnings: string[] = [];
try {
  const s = loadSettingsFile(GatewaySettings, file);
  // The unit makes everything but its data folder read-only: a dataDir elsewhere fails at the first write.
  if (dataRoot) {
    const rel = relative(resolve(dataRoot), resolve(s.dataDir));
    if (rel.startsWith('..') || resolve(rel) === rel) problems.push(`/dataDir: ${s.dataDir} is outside ${dataRoot}, the only folder the service may write`);
  }
  for (const [path, f] of [['/alerts/rulesFile', s.alerts.rulesFile], ['/uplink/caFile', s.uplink.caFile], ['/broker/tls/certFile', s.broker.tls?.certFile], ['/broker/tls/keyFile', s.broker.tls?.keyFile]] as const) {
    if (f !== undefined && !existsSync(f)) warnings.push(`${path}: ${f} does not exist (yet)`);
  }
  if (!s.uplink.connectionString) warnings.push('/uplink/connectionString: not set, so the gateway journals but forwards nothing');
  if (s.mode === 'embedded' && s.sensors.length === 0 && !s.broker.allowAnonymous) warnings.push('/sensors: empty, so no sensor can connect');
  for (const w of warnings) process.stdout.write(`${file}: warning: ${w}\n`);
  if (!problems.length) process.stdout.write(`${file}: ok (gateway ${s.gatewayId}, vehicle ${s.vehicle}, data ${s.dataDir}, log level ${s.log.level})\n`);
} catch (err) {
  problems.push((err as Error).message);
}
for (const p of problems) process.stderr.write(`${p.startsWith(file) ? '' : `${file}: `}${p}\n`);
process.exit(problems.length ? 1 : 0);
