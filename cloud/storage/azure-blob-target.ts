import { BlobServiceClient, ContainerClient, RestError } from '@azure/storage-blob';
import { checkKey, type ExportTarget } from './export-target.ts';

export interface AzureBlobTargetOptions {
  /** A storage connection string (account key or SAS) ... */
  connectionString?: string;
  /** ... or a container URL carrying a SAS token. */
  containerUrl?: string;
  /** Container name (with connectionString). */
  container?: string;
  /** Key prefix inside the container, e.g. "fleetsync/export". */
  prefix?: string;
  /** Create the container on first use (needs account-level rights). */
  createIfMissing?: boolean;
}

/**
 * Export files in Azure Blob Storage, or ADLS Gen2 through its Blob endpoint (same paths, hierarchical namespace or
 * not). A block blob upload is committed in one step, so readers see the old object or the new one.
 * Erase note: with blob soft delete or versioning turned on, the account keeps deleted and overwritten versions
 * for its retention period; turn them off (or purge) for containers holding personal data.
 */
export class AzureBlobExportTarget implements ExportTarget {
  readonly location: string;
  private readonly container: ContainerClient;
  private readonly base: string;
  private ready: Promise<void> | undefined;

  constructor(private readonly opts: AzureBlobTargetOptions) {
    if (opts.containerUrl !== undefined) {
      this.container = new ContainerClient(opts.containerUrl);
    } else if (opts.connectionString !== undefined && opts.container !== undefined) {
      this.container = BlobServiceClient.fromConnectionString(opts.connectionString).getContainerClient(opts.container);
    } else {
      throw new Error('Azure export target needs containerUrl, or connectionString and container');
    }
    const prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.base = prefix ? `${prefix}/` : '';
    this.location = `${this.container.url.split('?')[0]}/${this.base}`;
  }

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      if (this.opts.createIfMissing) await this.container.createIfNotExists();
    })();
    return this.ready;
  }

  async putFile(key: string, localPath: string): Promise<void> {
    await this.prepare();
    await this.container.getBlockBlobClient(this.base + checkKey(key)).uploadFile(localPath, {
      blobHTTPHeaders: { blobContentType: key.endsWith('.parquet') ? 'application/vnd.apache.parquet' : 'application/octet-stream' },
    });
  }

  async putBytes(key: string, data: Uint8Array): Promise<void> {
    await this.prepare();
    await this.container.getBlockBlobClient(this.base + checkKey(key)).uploadData(data, {
      blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
    });
  }

  async delete(key: string): Promise<void> {
    await this.prepare();
    await this.container.getBlobClient(this.base + checkKey(key)).deleteIfExists();
  }

  async list(prefix: string): Promise<string[]> {
    await this.prepare();
    const out: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: this.base + prefix })) out.push(blob.name.slice(this.base.length));
    return out.sort();
  }

  async get(key: string): Promise<Uint8Array | null> {
    await this.prepare();
    try {
      return new Uint8Array(await this.container.getBlobClient(this.base + checkKey(key)).downloadToBuffer());
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return null;
      throw err;
    }
  }

  async close(): Promise<void> {}
}
