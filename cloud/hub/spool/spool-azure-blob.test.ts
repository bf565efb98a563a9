import { useAzurite } from '../../../test/pipeline/use-azurite.ts';
import { AzureBlobExportTarget } from '../../storage/azure-blob-target.ts';
import { spoolContract } from './spool.contract.ts';

const azurite = useAzurite();

spoolContract('Azure Blob (real Azurite emulator)', async (label) => {
  return new AzureBlobExportTarget({ connectionString: azurite().connectionString, container: 'fleetsync-spool', prefix: `t/${label}`, createIfMissing: true });
});
