/**
 * `fleetsync cloud token ...`: API tokens for the cloud service, in <data>/auth/tokens.json (hashes only).
 * A running service picks up new and revoked tokens within a second.
 */
import type { Command } from 'commander';
import { ROLES, isRole } from '../../cloud/auth/roles.ts';
import { TokenStore, TokenStoreError } from '../../cloud/auth/token-store.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULT_DATA = '.data/cloud';

/** --data given after the subcommand wins over --data (or its default) on `cloud` itself. */
const dataDir = (cmd: Command): string => {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const d = c.opts<{ data?: string }>().data;
    if (d !== undefined) return d;
  }
  return DEFAULT_DATA;
};

const usage = (err: unknown): never => {
  if (err instanceof TokenStoreError && (err.code === 'NOT_FOUND' || err.code === 'INVALID')) throw new UsageError(err.message);
  throw err;
};

const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function registerTokenCommands(parent: Command): void {
  const token = parent.command('token').description(`API tokens (roles: ${ROLES.join(' < ')})`);

  token
    .command('create')
    .description('create a token and print it (it is shown only this once)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--label <text>', 'what the token is for (shown in lists)')
    .option('--data <dir>', `data folder (default ${DEFAULT_DATA})`)
    .action(async (o: { role: string; label?: string }, cmd: Command) => {
      if (!isRole(o.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got '${o.role}'`);
      const store = await TokenStore.open(dataDir(cmd));
      const { token: secret, info } = await store.create(o.role, o.label ?? null).catch(usage);
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`fleetsync: created ${info.id} (role ${info.role}); keep the token now, it is not shown again\n`);
    });

  token
    .command('list')
    .description('list tokens (ids, roles, labels; never the tokens)')
    .option('--data <dir>', `data folder (default ${DEFAULT_DATA})`)
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const list = await (await TokenStore.open(dataDir(cmd))).list();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const rows = [['ID', 'ROLE', 'CREATED', 'REVOKED', 'LABEL'], ...list.map((t) => [t.id, t.role, when(t.createdAt), when(t.revokedAt), t.label ?? ''])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
    });

  token
    .command('revoke <id>')
    .description('revoke a token by id; requests and open streams using it are refused from then on')
    .option('--data <dir>', `data folder (default ${DEFAULT_DATA})`)
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const info = await (await TokenStore.open(dataDir(cmd))).revoke(id).catch(usage);
      process.stderr.write(`fleetsync: revoked ${info.id} (role ${info.role})\n`);
    });
}
