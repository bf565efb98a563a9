import { useAzurite } from '../../test/pipeline/use-azurite.ts';
import { AzureBlobExportTarget } from './azure-blob-target.ts';
import { exportTargetContract } from './export-target.contract.ts';

const azurite = useAzurite();

exportTargetContract('Azure Blob (real Azurite emulator)', async () => {
  return new AzureBlobExportTarget({
    connectionString: azurite().connectionString,
    container: 'fleetsync-export',
    prefix: 'fleet/export',
    createIfMissing: true,
  });
});
