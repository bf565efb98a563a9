import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

/** A settings document that failed validation. `issues` name the JSON pointer of each wrong field. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly source: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`${source}: ${issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ')}`);
  }
}

/**
 * Fills defaults, then validates against the schema. Unknown fields are errors when the schema says
 * additionalProperties: false, so a typo fails at startup instead of being ignored.
 */
export function validateSettings<S extends TSchema>(schema: S, raw: unknown, source = 'settings'): Static<S> {
  const withDefaults: unknown = Value.Default(schema, Value.Clone(raw ?? {}));
  const issues = [...Value.Errors(schema, withDefaults)].slice(0, 10).map((e) => ({ path: e.path, message: e.message }));
  if (issues.length) throw new SettingsError(source, issues);
  return withDefaults as Static<S>;
}

/** Reads a JSON or YAML settings file (by extension) and validates it. */
export function loadSettingsFile<S extends TSchema>(schema: S, file: string): Static<S> {
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new SettingsError(file, [{ path: '/', message: `not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}` }]);
  }
  return validateSettings(schema, raw, file);
}
