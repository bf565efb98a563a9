/** Settings of the API service (the `api` section of the cloud settings file). One schema, defaults filled here. */
import { Type, type Static } from '@sinclair/typebox';
import { validateSettings } from '../../shared/settings/load-settings.ts';

const closed = { additionalProperties: false } as const;

export const ApiSettingsSchema = Type.Object(
  {
    /** A gateway last seen less than this long ago counts as online. */
    onlineWindowS: Type.Number({ exclusiveMinimum: 0, default: 120 }),
    /** How often the live alert stream looks for new alerts (only while a stream is open). */
    alertPollMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
    /** Keep-alive comments on the alert stream; the token behind a stream is re-checked at the same pace. */
    sseHeartbeatS: Type.Number({ minimum: 0.05, maximum: 300, default: 15 }),
    /** Failed authentications allowed per client address and window before 429. */
    authFailureLimit: Type.Integer({ minimum: 1, default: 10 }),
    authFailureWindowS: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    /** Lifetime of a stream ticket. */
    streamTicketTtlS: Type.Number({ exclusiveMinimum: 0, maximum: 600, default: 60 }),
    /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
    trustProxy: Type.Boolean({ default: false }),
    /** When false, /metrics needs a viewer token. */
    metricsPublic: Type.Boolean({ default: true }),
    /** Twins are cached this long for the fleet list. */
    twinCacheMs: Type.Integer({ minimum: 0, default: 5000 }),
  },
  { ...closed, default: {} },
);
export type ApiSettings = Static<typeof ApiSettingsSchema>;

export function parseApiSettings(raw: unknown, source = 'api settings'): ApiSettings {
  return validateSettings(ApiSettingsSchema, raw ?? {}, source);
}
