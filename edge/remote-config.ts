import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { validateRuleSet, type RuleSet } from './alerts/index.ts';
import type { KillSwitch } from './alerts/index.ts';
import { UplinkSettings } from './settings.ts';

/**
 * What the cloud may change through the twin's desired properties: uplink settings, alert rules, kill switch.
 * Pure. Each section is checked on its own; an invalid section is refused with its errors and the last good value
 * stays in force, so one bad field never takes down the rest of the configuration.
 */
/**
 * The uplink settings that take effect live (the forwarder's). Connection settings (keepalive, timeouts, retry
 * backoff) and the identity are local only: accepting them here and applying them at no point would tell the cloud
 * a change took effect when it did not.
 */
export const LIVE_UPLINK_SETTINGS = ['batchTargetBytes', 'telemetryMaxAgeMs', 'alertsMaxAgeMs', 'inflight', 'backlogShare', 'paused'] as const;
export const UplinkPatch = Type.Partial(Type.Pick(UplinkSettings, LIVE_UPLINK_SETTINGS), { additionalProperties: false });
export type UplinkPatch = Static<typeof UplinkPatch>;
const KillSwitchSchema = Type.Object(
  { sensors: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 }), rules: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 1000 }) },
  { additionalProperties: false },
);
const checkUplink = TypeCompiler.Compile(UplinkPatch);
const checkKill = TypeCompiler.Compile(KillSwitchSchema);

export interface RemoteConfig {
  version: number;
  uplink: UplinkPatch;
  rules: RuleSet | null;
  killSwitch: KillSwitch;
}

export const EMPTY_REMOTE_CONFIG: RemoteConfig = { version: 0, uplink: {}, rules: null, killSwitch: { sensors: [], rules: [] } };

export interface ApplyResult {
  config: RemoteConfig;
  errors: string[];
}

const errorsOf = (section: string, check: typeof checkUplink | typeof checkKill, value: unknown): string[] =>
  [...check.Errors(value)].slice(0, 10).map((e) => `/${section}${e.path}: ${e.message}`);

/** JSON merge patch (RFC 7396): how IoT Hub applies a desired-properties patch. */
export function mergePatch(doc: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...doc };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null && !Array.isArray(out[k])) {
      out[k] = mergePatch(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else out[k] = v;
  }
  return out;
}

/** Derives the configuration from a whole desired document, keeping `last` for every section that is invalid. */
export function applyDesired(last: RemoteConfig, desired: Record<string, unknown>): ApplyResult {
  const errors: string[] = [];
  const next: RemoteConfig = { ...last, version: typeof desired.$version === 'number' ? desired.$version : last.version };

  if (desired.uplink === undefined) next.uplink = {};
  else if (checkUplink.Check(desired.uplink)) next.uplink = desired.uplink;
  else errors.push(...errorsOf('uplink', checkUplink, desired.uplink));

  if (desired.rules === undefined) next.rules = null;
  else {
    const r = validateRuleSet(desired.rules);
    if (r.ok) next.rules = r.rules;
    else errors.push(...r.errors.map((e) => `/rules${e.startsWith('/') ? '' : ': '}${e}`));
  }

  if (desired.killSwitch === undefined) next.killSwitch = { sensors: [], rules: [] };
  else if (checkKill.Check(desired.killSwitch)) next.killSwitch = desired.killSwitch;
  else errors.push(...errorsOf('killSwitch', checkKill, desired.killSwitch));

  return { config: next, errors };
}

/** Local and remote kill switches add up: either side can silence a sensor or a rule. */
export function combinedKillSwitch(local: KillSwitch, remote: KillSwitch): KillSwitch {
  return {
    sensors: [...new Set([...local.sensors, ...remote.sensors])].sort(),
    rules: [...new Set([...local.rules, ...remote.rules])].sort(),
  };
}
