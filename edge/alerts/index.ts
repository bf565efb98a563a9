/** Public API of the alert engine (see docs/alert-rules.md). */
export { createAlertEngine, GPS_SPEED_SIGNAL } from './engine.ts';
export type { AlertEngine, AlertEngineOptions, AlertCounters, KillSwitch } from './engine.ts';
export { parseRuleSet, validateRuleSet } from './parse-rules.ts';
export type { RuleSetResult } from './parse-rules.ts';
export { RuleSetSchema } from './rule-schema.ts';
export type { RuleSet, Rule, RuleType, Condition, Geofence } from './rule-schema.ts';
export { AlertConfigError } from './errors.ts';
export { parseDm1 } from './dm1.ts';
export type { Dtc, Lamp } from './dm1.ts';
export { haversineM, pointInPolygon, insideGeofence } from './geometry.ts';
export { loadDefaultRules, DEFAULT_RULES_PATH } from './default-rules.ts';
