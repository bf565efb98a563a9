/**
 * Contract validators, compiled once from the schemas in ./schemas.ts.
 *
 * Engine: TypeBox TypeCompiler, chosen by measurement (bench/suites/validators.ts, same ReadingV2 rules in each engine;
 * 2 shared cores, Node 20, other work running, so +-30%):
 *   valid readings:                TypeBox 5.5-5.9 M/s, Ajv 8 2.8-3.1 M/s, Zod 4 0.73-0.77 M/s
 *   invalid + first error:         TypeBox 0.34-0.38 M/s, Ajv 8 3.2-3.3 M/s, Zod 4 0.11-0.16 M/s
 * Valid data is the hot path (rejects are rare and per-sensor), and TypeBox is twice Ajv there. Its slower error
 * walk still leaves validateReading at ~0.2 M rejections/s, far above any plausible reject rate, so one engine is
 * used rather than TypeBox for the check plus Ajv for the errors.
 *
 * Rules: a missing `v` means v1 (old firmware never sent it) and the returned value then carries `v: 1`; any other `v`
 * than 1 or 2 is rejected on "/v". Unknown fields are kept (see schemas.ts). A rejection names one field as a JSON
 * pointer ("/" for the whole value) and says what the field must be and what it was. Validators never throw and never
 * mutate their input.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import {
  AlertV1WireSchema,
  AlertV2Schema,
  GatewayStatusV1WireSchema,
  GatewayStatusV2Schema,
  PositionV1WireSchema,
  PositionV2Schema,
  ReadingV1WireSchema,
  ReadingV2Schema,
  RollupV2Schema,
} from './schemas.ts';
import type {
  AlertV1,
  AlertV2,
  ContractKind,
  GatewayStatusV1,
  GatewayStatusV2,
  PositionV1,
  PositionV2,
  ReadingV1,
  ReadingV2,
  RollupV2,
} from './types.ts';

/**
 * A rejected value. It carries no stack trace: the fault is in the data, not the code, and capturing one tripled the
 * cost of a rejection (measured ~3 us of ~4 us).
 */
export class ContractError extends Error {
  /** Which contract was being validated. */
  readonly kind: ContractKind | 'rollup';
  /** JSON pointer to the offending field, "/" for the value as a whole. */
  readonly field: string;
  /** What the field must be and what it was, for humans. */
  readonly reason: string;

  constructor(kind: ContractKind | 'rollup', field: string, reason: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${kind} ${field}: ${reason}`);
    Error.stackTraceLimit = limit;
    this.name = 'ContractError';
    this.kind = kind;
    this.field = field;
    this.reason = reason;
  }
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: ContractError };

export interface ContractByKind {
  reading: ReadingV1 | ReadingV2;
  position: PositionV1 | PositionV2;
  alert: AlertV1 | AlertV2;
  status: GatewayStatusV1 | GatewayStatusV2;
}

const MAX_SHOWN_STRING = 40;

/** A short, safe rendering of an offending value: never echoes huge strings, never calls user code. */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return String(value);
    case 'boolean':
      return String(value);
    case 'string':
      return value.length <= MAX_SHOWN_STRING ? JSON.stringify(value) : `a string of ${value.length} characters`;
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      if (ArrayBuffer.isView(value)) return 'binary data';
      if (value instanceof Date) return 'a date';
      return 'an object';
  }
}

function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : `a thrown ${typeof e}`;
  } catch {
    return 'an exception';
  }
}

function has(input: object, key: string): boolean {
  return (input as Record<string, unknown>)[key] !== undefined;
}

function explain(error: ValueError, input: object): { field: string; reason: string } {
  const field = error.path === '' ? '/' : error.path;
  // A key present with the value undefined is missing too (msgpack can carry undefined; JSON drops it).
  if (error.type === ValueErrorType.ObjectRequiredProperty || error.value === undefined) {
    // The commonest mistake across versions: mixing ts (v1) and sensorTime (v2).
    if (field === '/ts' && has(input, 'sensorTime'))
      return { field, reason: 'is required (no v means version 1, which uses ts; send v: 2 with sensorTime)' };
    if (field === '/sensorTime' && has(input, 'ts'))
      return { field, reason: 'is required (version 2 renamed ts to sensorTime)' };
    return { field, reason: 'is required' };
  }
  const rule = typeof error.schema.description === 'string' ? error.schema.description : error.message;
  return { field, reason: `must be ${rule}, got ${showValue(error.value)}` };
}

type Validator<T> = (input: unknown) => ValidationResult<T>;

function failures<T>(kind: ContractKind | 'rollup') {
  const fail = (field: string, reason: string): ValidationResult<T> => ({
    ok: false,
    error: new ContractError(kind, field, reason),
  });
  const failWith = (check: TypeCheck<TSchema>, input: object): ValidationResult<T> => {
    const first = check.Errors(input).First();
    if (first === undefined) return fail('/', 'is invalid');
    const { field, reason } = explain(first, input);
    return fail(field, reason);
  };
  return { fail, failWith };
}

function compile<V1, V2>(kind: ContractKind, v1Wire: TSchema, v2: TSchema): Validator<V1 | V2> {
  const checkV1: TypeCheck<TSchema> = TypeCompiler.Compile(v1Wire);
  const checkV2: TypeCheck<TSchema> = TypeCompiler.Compile(v2);
  const { fail, failWith } = failures<V1 | V2>(kind);
  return (input) => {
    try {
      if (typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input))
        return fail('/', `must be an object, got ${showValue(input)}`);
      const v = (input as { v?: unknown }).v;
      if (v === undefined || v === 1) {
        if (!checkV1.Check(input)) return failWith(checkV1, input);
        return { ok: true, value: (v === 1 ? input : { ...input, v: 1 }) as V1 };
      }
      if (v === 2) {
        if (!checkV2.Check(input)) return failWith(checkV2, input);
        return { ok: true, value: input as V2 };
      }
      return fail('/v', `must be 1 or 2 (absent means 1), got ${showValue(v)}`);
    } catch (e) {
      // Throwing getters, revoked proxies and the like: the value cannot be read, so it cannot be valid.
      return fail('/', `could not be read (${describeThrown(e)})`);
    }
  };
}

export const validateReading: Validator<ReadingV1 | ReadingV2> = compile<ReadingV1, ReadingV2>(
  'reading',
  ReadingV1WireSchema,
  ReadingV2Schema,
);
export const validatePosition: Validator<PositionV1 | PositionV2> = compile<PositionV1, PositionV2>(
  'position',
  PositionV1WireSchema,
  PositionV2Schema,
);
export const validateAlert: Validator<AlertV1 | AlertV2> = compile<AlertV1, AlertV2>(
  'alert',
  AlertV1WireSchema,
  AlertV2Schema,
);
export const validateGatewayStatus: Validator<GatewayStatusV1 | GatewayStatusV2> = compile<
  GatewayStatusV1,
  GatewayStatusV2
>('status', GatewayStatusV1WireSchema, GatewayStatusV2Schema);

const checkRollup: TypeCheck<TSchema> = TypeCompiler.Compile(RollupV2Schema);
const rollupFailures = failures<RollupV2>('rollup');

/** A gateway's rollup (v 2 only), plus what the schema cannot say: min <= mean <= max, and first <= last. */
export function validateRollup(input: unknown): ValidationResult<RollupV2> {
  const { fail, failWith } = rollupFailures;
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input))
      return fail('/', `must be an object, got ${showValue(input)}`);
    if (!checkRollup.Check(input)) return failWith(checkRollup, input);
    const r = input as RollupV2;
    if (r.last < r.first) return fail('/last', `must not be before first (${r.first}), got ${r.last}`);
    const figures = [r.min, r.mean, r.max];
    if (r.count === 0 ? figures.some((f) => f !== null) : figures.some((f) => f === null))
      return fail('/mean', `min, mean and max must be numbers exactly when count > 0 (count ${r.count})`);
    if (r.min !== null && r.max !== null && r.mean !== null && !(r.min <= r.mean && r.mean <= r.max))
      return fail('/mean', `must lie between min (${r.min}) and max (${r.max}), got ${r.mean}`);
    return { ok: true, value: r };
  } catch (e) {
    return fail('/', `could not be read (${describeThrown(e)})`);
  }
}

const byKind: { [K in ContractKind]: Validator<ContractByKind[K]> } = {
  reading: validateReading,
  position: validatePosition,
  alert: validateAlert,
  status: validateGatewayStatus,
};

export function validateContract<K extends ContractKind>(kind: K, input: unknown): ValidationResult<ContractByKind[K]> {
  const validator = Object.hasOwn(byKind, kind) ? (byKind[kind] as Validator<ContractByKind[K]>) : undefined;
  if (validator === undefined) {
    // Only reachable from untyped callers.
    return { ok: false, error: new ContractError(kind, '/', `unknown contract kind ${showValue(kind)}`) };
  }
  return validator(input);
}
