/** What the route modules share. Built once per API instance by createCloudApi. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { HubSource } from '../hub/hub-source.ts';
import type { EraseReport, EraseSubject } from '../pipeline/ops/erase.ts';
import type { PipelineQueries } from '../pipeline/queries.ts';
import type { BronzeStats } from '../pipeline/bronze/bronze-sink.ts';
import type { StreamTickets } from '../auth/stream-tickets.ts';
import type { TokenStore } from '../auth/token-store.ts';
import type { AlertFeed } from './alert-feed.ts';
import type { ConnectionTracker } from './connection-tracker.ts';
import type { Fleet } from './fleet.ts';
import type { ApiMetrics } from './metrics.ts';
import type { ReadModel } from './read-model.ts';
import type { TwinCache } from './twin-cache.ts';
import type { ApiSettings } from './settings.ts';

/** The part of the pipeline (cloud/pipeline/pipeline.ts) the API uses. */
export interface PipelineLike {
  readonly queries: PipelineQueries;
  readonly bronzeStats: BronzeStats;
  readonly error: unknown;
  erase(subject: EraseSubject, opts?: { reference?: string }): Promise<EraseReport>;
  /** A read connection on the pipeline's database, when the pipeline offers one. */
  connect?(): Promise<DuckDBConnection>;
}

/** Device registry operations for admins (the embedded hub has a registry; see embedded-devices.ts). */
export interface DeviceAdmin {
  list(): Promise<{ deviceId: string; disabled: boolean }[]>;
  /** Registers a gateway and returns its connection string (a secret, shown once). */
  add(deviceId: string): Promise<{ deviceId: string; connectionString: string }>;
  remove(deviceId: string): Promise<void>;
}

export interface ApiContext {
  pipeline: PipelineLike;
  read: ReadModel;
  fleet: Fleet;
  hub: HubSource;
  twins: TwinCache;
  tracker: ConnectionTracker;
  tokens: TokenStore;
  tickets: StreamTickets;
  feed: AlertFeed;
  metrics: ApiMetrics;
  devices: DeviceAdmin | null;
  settings: ApiSettings;
  /** Enders of the open event streams (closed with the service). */
  openStreams: Set<() => void>;
  now: () => number;
}
