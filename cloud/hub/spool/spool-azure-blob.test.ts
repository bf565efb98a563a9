import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../../test/pipeline/azurite.ts';
import { AzureBlobExportTarget } from '../../storage/azure-blob-target.ts';
import { spoolContract } from './spool.contract.ts';

let azurite: RunningAzurite | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
}, 30_000);
afterAll(async () => {
  await azurite?.stop();
});

spoolContract('Azure Blob (real Azurite emulator)', async (label) => {
  if (azurite === undefined) throw new Error('Azurite is not running');
  return new AzureBlobExportTarget({ connectionString: azurite.connectionString, container: 'fleetsync-spool', prefix: `t/${label}`, createIfMissing: true });
});
