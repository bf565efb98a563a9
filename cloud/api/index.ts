/** The cloud API and dashboard (docs/api.md). */
export { createCloudApi, listenCloudApi, redactUrl, DASHBOARD_DIR, type CloudApiOptions } from './create-cloud-api.ts';
export { embeddedDeviceAdmin } from './embedded-devices.ts';
export type { DeviceAdmin, PipelineLike } from './context.ts';
export { ApiSettingsSchema, parseApiSettings, type ApiSettings } from './settings.ts';
