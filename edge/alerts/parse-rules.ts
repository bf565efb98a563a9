/**
 * Text or twin object -> validated rule set with defaults filled in, or every error with its path.
 * The caller keeps its last good rule set when this refuses an update.
 */
import { parseDocument } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { RuleSetSchema, type RuleSet } from './rule-schema.ts';
import { schemaErrors } from './schema-errors.ts';
import { checkRuleSet } from './rule-checks.ts';

export type RuleSetResult = { ok: true; rules: RuleSet } | { ok: false; errors: string[] };

const MAX_ERRORS = 50;

const fail = (errors: string[]): RuleSetResult => ({
  ok: false,
  errors: errors.length > MAX_ERRORS ? [...errors.slice(0, MAX_ERRORS), `... and ${errors.length - MAX_ERRORS} more`] : errors,
});

/** Validates a plain object (e.g. a twin's desired properties); the input is not modified. */
export function validateRuleSet(obj: unknown): RuleSetResult {
  let copy: unknown;
  try {
    copy = structuredClone(obj);
  } catch {
    return fail(['/: must be plain data (objects, lists, strings, numbers, booleans)']);
  }
  const filled = Value.Default(RuleSetSchema, copy);
  if (!Value.Check(RuleSetSchema, filled)) {
    const errors = schemaErrors(RuleSetSchema, filled);
    return fail(errors.length ? errors : ['/: does not match the rule set schema']);
  }
  const semantic = checkRuleSet(filled);
  return semantic.length ? fail(semantic) : { ok: true, rules: filled };
}

/**
 * Parses YAML (the default; YAML also accepts JSON) or strict JSON, then validates.
 * Syntax errors carry a line and column.
 */
export function parseRuleSet(text: string, format: 'yaml' | 'json' = 'yaml'): RuleSetResult {
  if (format === 'json') {
    try {
      return validateRuleSet(JSON.parse(text) as unknown);
    } catch (err) {
      return fail([`json: ${(err as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    return fail(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return pos ? `yaml: line ${pos.line}, column ${pos.col}: ${first}` : `yaml: ${first}`;
      }),
    );
  }
  return validateRuleSet(doc.toJS({ maxAliasCount: 100 }) as unknown);
}
