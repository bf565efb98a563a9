/**
 * An object store: where the Parquet export goes, and the spool between ingest and pipeline replicas
 * (cloud/hub/spool). Keys are relative '/'-separated paths such as
 * `silver/silver_readings/day=2024-03-04/data.parquet`. Two implementations pass the same contract suite
 * (export-target.contract.ts): a local folder and Azure Blob Storage / ADLS Gen2.
 */
export interface ExportTarget {
  /** For logs: where the files go, without secrets. */
  readonly location: string;
  /** Creates or replaces the object at `key` with the content of a local file. Readers never see half an object. */
  putFile(key: string, localPath: string): Promise<void>;
  /** The same from memory. Durable when it resolves (on local disk: fsynced), and never seen half-written. */
  putBytes(key: string, data: Uint8Array): Promise<void>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Keys under `prefix` (a key prefix, not necessarily a folder), sorted. */
  list(prefix: string): Promise<string[]>;
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

export class ExportKeyError extends Error {
  override readonly name = 'ExportKeyError';
}

/** Keys are plain relative paths: no empty, '.' or '..' segments, no backslashes, no leading '/'. */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (key.length === 0 || key.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..'))
    throw new ExportKeyError(`export key must be a relative path without empty, '.' or '..' segments: '${key}'`);
  return key;
}
