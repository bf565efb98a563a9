/** Public surface of the embedded IoT Hub endpoint (the Azure implementation lives in ./azure). */
export { EmbeddedHub, startEmbeddedHub, MAX_METHOD_TIMEOUT_S, type EmbeddedHubOptions, type SendC2DOptions } from './embedded-hub.ts';
export { SpoolSink, idempotencyKey, type SpoolRecord, type SpoolOptions } from './spool-sink.ts';
export { HubSettings, parseHubSettings, DEFAULT_HUB_NAME, DEFAULT_MQTTS_PORT, type HubSettingsInput } from './settings.ts';
export { DeviceRegistry, RegistryError, connectionString, isValidDeviceId, type DeviceRecord } from './registry.ts';
export { HubError, DeviceNotFoundError, MethodTimeoutError, C2DQueueFullError, isHubError, type HubErrorCode } from './errors.ts';
export { hubPaths, spoolDir } from './paths.ts';
export type { HubSource, Twin, MethodResult, DeviceConnectionEvent } from './hub-source.ts';
export type { HubTelemetry, IngestSink } from './ingest-sink.ts';
export type { HubCounters, ConnectionErrorKind } from './hub-counters.ts';
