/**
 * Fuzzes the contract validators and upcasters with mutated valid contracts and random values.
 * Properties: a validator never throws; it returns either a value that re-validates and upcasts to a valid v2, or a
 * ContractError naming a field; it never mutates its input.
 * FLEETSYNC_FUZZ_ITERATIONS (default 100000) and FLEETSYNC_FUZZ_SEED (default random, printed) replay a run.
 */
import { mulberry32 as prng } from '../support/mulberry32.ts';
import { describe, expect, it } from 'vitest';
import { ContractError, validateContract, type ValidationResult } from '../../shared/contracts/validate.ts';
import { upcastAlert, upcastGatewayStatus, upcastPosition, upcastReading } from '../../shared/contracts/upcast.ts';
import { allExamples } from '../../shared/contracts/examples.ts';
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
} from '../../shared/contracts/types.ts';

const ITERATIONS = Number(process.env.FLEETSYNC_FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.FLEETSYNC_FUZZ_SEED ?? (Date.now() ^ (process.pid << 8)) >>> 0);


type Obj = Record<string, unknown>;
const KINDS: ContractKind[] = ['reading', 'position', 'alert', 'status'];
const HUGE = 'x'.repeat(1_000_000);

function fuzzer(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

  const cyclic: Obj = { a: 1 };
  cyclic.self = cyclic;
  const specials: Array<() => unknown> = [
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => Number.NEGATIVE_INFINITY,
    () => -0,
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => -1,
    () => 0.5,
    () => (rand() - 0.5) * 10 ** int(16),
    () => 946_684_800_000 - 1,
    () => 4_102_444_800_000,
    () => '',
    () => HUGE,
    () => 'a'.repeat(64),
    () => 'a'.repeat(65),
    () => 'trück',
    () => 'a/b',
    () => '\u0000',
    () => '1714550400000',
    () => null,
    () => undefined,
    () => true,
    () => false,
    () => [],
    () => [1, 2, 3],
    () => ({}),
    () => cyclic,
    () => randomValue(4),
    () => Symbol('s'),
    () => 10n,
    () => () => 1,
    () => new Date(),
    () => new Uint8Array(4),
    () => new Map([['lat', 1]]),
    () => Object.create({ lat: 1, lon: 2 }) as unknown,
    () => pick(['good', 'suspect', 'bad', 'raised', 'critical', 'online', 'GOOD']),
    () => pick([1, 2, 3, '1', '2', 0]),
  ];

  function randomValue(depth: number): unknown {
    const r = int(depth > 0 ? 8 : 5);
    switch (r) {
      case 0:
        return rand() * 2e12;
      case 1:
        return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0x3000)));
      case 2:
        return rand() < 0.5;
      case 3:
        return null;
      case 4:
        return int(1000) - 500;
      case 5:
        return Array.from({ length: int(4) }, () => randomValue(depth - 1));
      default: {
        const o: Obj = {};
        const keys = ['v', 'ts', 'lat', 'value', 'x', 'lanes', String(int(9))];
        for (let i = int(5); i > 0; i--) o[pick(keys)] = randomValue(depth - 1);
        return o;
      }
    }
  }

  /** A random field path into `o`, one or two levels deep. */
  function target(o: Obj): { holder: Obj; key: string } {
    const keys = Object.keys(o);
    if (keys.length === 0 || rand() < 0.1) return { holder: o, key: pick(['v', 'unknown', 'ts', 'sensorTime']) };
    const key = pick(keys);
    const child = o[key];
    const plain = typeof child === 'object' && child !== null && Object.getPrototypeOf(child) === Object.prototype;
    if (plain && child !== cyclic && rand() < 0.5) return target(child as Obj);
    return { holder: o, key };
  }

  function mutate(o: Obj): void {
    const { holder, key } = target(o);
    switch (int(4)) {
      case 0:
        delete holder[key];
        break;
      case 1:
        holder[key] = pick(specials)();
        break;
      case 2:
        holder[`extra${int(100)}`] = pick(specials)();
        break;
      default:
        holder[key] = randomValue(3);
    }
  }

  const examples = allExamples();
  return function next(): { kind: ContractKind; input: unknown } {
    const r = rand();
    if (r < 0.05) return { kind: pick(KINDS), input: randomValue(5) };
    if (r < 0.08) return { kind: pick(KINDS), input: pick(specials)() };
    const ex = pick(examples);
    const input = structuredClone(ex.value);
    if (ex.version === 1 && rand() < 0.5) delete input.v;
    const rounds = rand() < 0.1 ? 0 : 1 + int(4);
    for (let i = 0; i < rounds; i++) mutate(input);
    const kind = rand() < 0.9 ? ex.kind : pick(KINDS);
    if (rand() < 0.01) {
      Object.defineProperty(input, pick(Object.keys(input).concat('vehicle')), {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
    }
    if (rand() < 0.005) return { kind, input: new Proxy(input, { get: () => Number.NaN }) };
    return { kind, input };
  };
}

function upcastValid(kind: ContractKind, value: unknown): boolean {
  switch (kind) {
    case 'reading':
      return validateContract('reading', upcastReading(value as ReadingV1 | ReadingV2)).ok;
    case 'position':
      return validateContract('position', upcastPosition(value as PositionV1 | PositionV2)).ok;
    case 'alert':
      return validateContract('alert', upcastAlert(value as AlertV1 | AlertV2)).ok;
    case 'status':
      return validateContract('status', upcastGatewayStatus(value as GatewayStatusV1 | GatewayStatusV2)).ok;
  }
}

/** JSON for comparing before and after, or null when the value cannot be stringified. */
function snapshot(x: unknown): string | null {
  try {
    return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? null;
  } catch {
    return null;
  }
}

function describeInput(x: unknown): string {
  const s = snapshot(x);
  return s === null ? String(typeof x) : s.slice(0, 300);
}

describe('contract validators under fuzzing', () => {
  it(
    `survive ${ITERATIONS} mutated and random inputs`,
    () => {
      console.log(`contracts fuzz: seed=${SEED} iterations=${ITERATIONS} (replay: FLEETSYNC_FUZZ_SEED=${SEED})`);
      const next = fuzzer(prng(SEED));
      const failures: string[] = [];
      const fail = (i: number, what: string, input: unknown): void => {
        if (failures.length < 10) failures.push(`#${i} ${what}: ${describeInput(input)}`);
      };
      let accepted = 0;
      const fields = new Map<string, number>();

      for (let i = 0; i < ITERATIONS; i++) {
        const { kind, input } = next();
        const before = i % 8 === 0 ? snapshot(input) : null;
        let r: ValidationResult<unknown>;
        try {
          r = validateContract(kind, input);
        } catch (e) {
          fail(i, `threw ${String(e)}`, input);
          continue;
        }
        if (before !== null && snapshot(input) !== before) fail(i, 'mutated its input', input);
        if (r.ok) {
          accepted++;
          const v = (r.value as { v?: unknown }).v;
          if (v !== 1 && v !== 2) fail(i, `accepted without v 1|2 (${String(v)})`, input);
          if (!validateContract(kind, r.value).ok) fail(i, 'accepted value does not re-validate', input);
          if (!upcastValid(kind, r.value)) fail(i, 'upcast of accepted value is invalid', input);
        } else {
          const e = r.error;
          const typed =
            e instanceof ContractError &&
            e.kind === kind &&
            typeof e.field === 'string' &&
            e.field.startsWith('/') &&
            typeof e.reason === 'string' &&
            e.reason.length > 0 &&
            e.message.length < 400;
          if (!typed) fail(i, `untyped or oversized error ${String(e?.message)}`, input);
          fields.set(e.field, (fields.get(e.field) ?? 0) + 1);
        }
      }

      const top = [...fields].sort((a, b) => b[1] - a[1]).slice(0, 8);
      console.log(
        `contracts fuzz: accepted ${accepted}, rejected ${ITERATIONS - accepted}; top fields ${JSON.stringify(top)}`,
      );
      expect(failures).toEqual([]);
      // The mix must exercise both outcomes, or the fuzzer has stopped testing anything.
      expect(accepted).toBeGreaterThan(ITERATIONS * 0.01);
      expect(ITERATIONS - accepted).toBeGreaterThan(ITERATIONS * 0.3);
    },
    60_000 + ITERATIONS * 0.3,
  );
});
