import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../test/pipeline/azurite.ts';
import { AzureBlobExportTarget } from './azure-blob-target.ts';
import { exportTargetContract } from './export-target.contract.ts';

let azurite: RunningAzurite | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
}, 30_000);
afterAll(async () => {
  await azurite?.stop();
});

exportTargetContract('Azure Blob (real Azurite emulator)', async () => {
  if (azurite === undefined) throw new Error('Azurite is not running');
  return new AzureBlobExportTarget({
    connectionString: azurite.connectionString,
    container: 'fleetsync-export',
    prefix: 'fleet/export',
    createIfMissing: true,
  });
});
