/** Where the embedded endpoint keeps its files under the data folder (shared by the endpoint and `fleetsync hub`). */
import { join } from 'node:path';

export interface HubPaths {
  root: string;
  registry: string;
  /** host:port of the last started endpoint, for connection strings printed by `fleetsync hub`. */
  endpoint: string;
  tls: string;
  sessions: string;
  state: string;
}

export function hubPaths(dataDir: string): HubPaths {
  const root = join(dataDir, 'hub');
  return {
    root,
    registry: join(root, 'registry.json'),
    endpoint: join(root, 'endpoint.json'),
    tls: join(root, 'tls'),
    sessions: join(root, 'sessions'),
    state: join(root, 'state'),
  };
}

/** The spool sink's default folder. */
export const spoolDir = (dataDir: string): string => join(dataDir, 'spool');
