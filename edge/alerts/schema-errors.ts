/**
 * Turns TypeBox validation errors into short messages that name the JSON path, e.g. `/rules/3/threshold: must be a
 * number`. Discriminated unions (rules and geofences, keyed by `type`) are resolved to the member the value claims
 * to be, so the message points at the wrong field instead of saying "no union member matched".
 */
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Kind, type TSchema } from '@sinclair/typebox';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface SchemaLike {
  [Kind]?: string;
  anyOf?: TSchema[];
  const?: unknown;
  properties?: Record<string, SchemaLike>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

const literalsOf = (schema: SchemaLike): unknown[] | null => {
  const members = schema.anyOf as SchemaLike[] | undefined;
  if (!members || !members.every((m) => m[Kind] === 'Literal')) return null;
  return members.map((m) => m.const);
};

/** The `type` literal of each member of a union of objects, when every member has one. */
const discriminants = (schema: SchemaLike): Map<string, TSchema> | null => {
  const members = schema.anyOf as SchemaLike[] | undefined;
  if (!members) return null;
  const out = new Map<string, TSchema>();
  for (const m of members) {
    const lit = m.properties?.['type']?.const;
    if (typeof lit !== 'string') return null;
    out.set(lit, m as TSchema);
  }
  return out;
};

const quote = (v: unknown): string => JSON.stringify(v);

function describe(e: ValueError): string {
  const s = e.schema as SchemaLike;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not an allowed property';
    case ValueErrorType.Number:
      return 'must be a number';
    case ValueErrorType.Integer:
      return 'must be an integer';
    case ValueErrorType.String:
      return 'must be a string';
    case ValueErrorType.Boolean:
      return 'must be a boolean';
    case ValueErrorType.Array:
      return 'must be a list';
    case ValueErrorType.Object:
      return 'must be an object';
    case ValueErrorType.Literal:
      return `must be ${quote(s.const)}`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be >= ${s.minimum}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be <= ${s.maximum}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `must be > ${s.exclusiveMinimum}`;
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return `must be < ${s.exclusiveMaximum}`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${s.minItems} item(s)`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} item(s)`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must have at most ${s.maxLength} characters`;
    case ValueErrorType.StringPattern:
      return `must match ${s.pattern}`;
    case ValueErrorType.Union: {
      const lits = literalsOf(s);
      if (lits) return `must be one of: ${lits.map(quote).join(', ')}`;
      return 'does not match any allowed form';
    }
    default:
      return e.message.charAt(0).toLowerCase() + e.message.slice(1);
  }
}

/** Reads the value at a JSON pointer (TypeBox error paths are JSON pointers). */
function at(root: unknown, path: string): unknown {
  if (path === '') return root;
  let cur: unknown = root;
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isRecord(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/**
 * All errors of `value` against `schema`, formatted as `path: message`. The value must already have had defaults
 * applied (`Value.Default`), otherwise defaulted fields would be reported as missing.
 */
export function schemaErrors(schema: TSchema, value: unknown, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    const path = `${prefix}${e.path}`;
    const s = e.schema as SchemaLike;
    if (e.type === ValueErrorType.Union) {
      const members = discriminants(s);
      const v = at(value, e.path);
      if (members && isRecord(v)) {
        const t = v['type'];
        const member = typeof t === 'string' ? members.get(t) : undefined;
        if (!member) {
          out.push(`${path}/type: must be one of: ${[...members.keys()].map(quote).join(', ')}`);
        } else {
          // Fill the member's own defaults, then report against it alone.
          const filled = Value.Default(member, structuredClone(v));
          out.push(...schemaErrors(member, filled, path));
        }
        continue;
      }
    }
    out.push(`${path || '/'}: ${describe(e)}`);
  }
  // A missing property is also reported as "wrong type"; the first message says it all.
  const missing = new Set(out.filter((m) => m.endsWith(': is required')).map((m) => m.slice(0, m.indexOf(': '))));
  return [...new Set(out)].filter((m) => m.endsWith(': is required') || !missing.has(m.slice(0, m.indexOf(': '))));
}
