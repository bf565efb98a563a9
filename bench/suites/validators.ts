/**
 * Contract validation throughput: the shipped engine (TypeBox TypeCompiler) against Ajv 8 and Zod 4 on the same
 * ReadingV2 rules (finite numbers, id patterns, timestamp window, unknown fields tolerated), for valid readings and
 * for invalid ones (including extracting the first error, which is what a rejection needs).
 */
import { Ajv } from 'ajv';
import { z } from 'zod';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import {
  ID_PATTERN,
  MAX_EPOCH_MS,
  MAX_SPN,
  MAX_UNIT,
  MAX_VALUE_STRING,
  MIN_EPOCH_MS,
  ReadingV2Schema,
} from '../../shared/contracts/schemas.ts';
import { validateReading } from '../../shared/contracts/validate.ts';

const GROUP = 'Contract validation';
const UNIT = 'validations/s';

function validReadings(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const value = i % 5 === 0 ? i % 2 === 0 : i % 7 === 0 ? `gear-${i % 12}` : 20 + (i % 97) * 0.37;
    out.push({
      v: 2,
      vehicle: `truck-${i % 50}`,
      sensor: `can-${i % 4}`,
      signal: ['engine.rpm', 'coolant.temp', 'fuel.level', 'speed'][i % 4],
      value,
      unit: typeof value === 'number' ? 'C' : '',
      sensorTime: 1_700_000_000_000 + i * 1000,
      quality: i % 13 === 0 ? 'suspect' : 'good',
      ...(i % 3 === 0 ? { spn: 110 } : {}),
    });
  }
  return out;
}

/** One defect each, spread over the fields, so the engines do not all fail on the first property. */
function invalidReadings(valid: Record<string, unknown>[]): Record<string, unknown>[] {
  const defects: Array<(r: Record<string, unknown>) => void> = [
    (r) => (r.value = Number.NaN),
    (r) => (r.vehicle = 'truck 7'),
    (r) => delete r.sensorTime,
    (r) => (r.sensorTime = 1_700_000_000),
    (r) => (r.quality = 'great'),
    (r) => (r.unit = 42),
    (r) => (r.spn = -1),
    (r) => (r.signal = 'x'.repeat(300)),
  ];
  return valid.map((r, i) => {
    const copy = { ...r };
    defects[i % defects.length]!(copy);
    return copy;
  });
}

function v1Mix(valid: Record<string, unknown>[]): Record<string, unknown>[] {
  return valid.map((r, i) => {
    if (i % 2 === 0) return r;
    const { v: _v, sensorTime, quality: _q, spn: _s, ...rest } = r;
    return { ...rest, ts: sensorTime };
  });
}

const zodId = z.string().min(1).max(64).regex(new RegExp(ID_PATTERN));
const zodReadingV2 = z.looseObject({
  v: z.literal(2),
  vehicle: zodId,
  sensor: zodId,
  signal: zodId,
  value: z.union([z.number(), z.boolean(), z.string().max(MAX_VALUE_STRING)]),
  unit: z.string().max(MAX_UNIT),
  sensorTime: z.number().int().min(MIN_EPOCH_MS).lt(MAX_EPOCH_MS),
  quality: z.enum(['good', 'suspect', 'bad']),
  spn: z.number().int().min(0).max(MAX_SPN).optional(),
});

/** Runs `fn` over the inputs round-robin for about `ms` milliseconds and returns calls per second. */
function rate(inputs: unknown[], ms: number, fn: (x: unknown) => boolean): number {
  let sink = 0;
  for (let i = 0; i < 2000; i++) if (fn(inputs[i % inputs.length])) sink++;
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < inputs.length; i++) if (fn(inputs[i])) sink++;
    calls += inputs.length;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink < 0) throw new Error('unreachable');
  return calls / (Number(elapsed) / 1e9);
}

export const validatorsSuite: BenchSuite = {
  name: 'validators',
  async run({ quick }: BenchOptions): Promise<BenchRow[]> {
    const ms = quick ? 150 : 600;
    const valid = validReadings(256);
    const invalid = invalidReadings(valid);
    const mixed = v1Mix(valid);

    const typebox = TypeCompiler.Compile(ReadingV2Schema);
    const ajv = new Ajv({ strictNumbers: true, allErrors: false }).compile(ReadingV2Schema);

    // Sanity: all three engines must agree on every input, or the comparison is meaningless.
    for (const r of [...valid, ...invalid]) {
      const t = typebox.Check(r);
      if (ajv(r) !== t || zodReadingV2.safeParse(r).success !== t) throw new Error('validators disagree');
    }

    const tbValid = rate(valid, ms, (x) => typebox.Check(x));
    const ajvValid = rate(valid, ms, (x) => ajv(x));
    const zodValid = rate(valid, ms, (x) => zodReadingV2.safeParse(x).success);

    const tbInvalid = rate(invalid, ms, (x) => typebox.Check(x) || typebox.Errors(x).First() === undefined);
    const ajvInvalid = rate(invalid, ms, (x) => ajv(x) || ajv.errors?.[0] === undefined);
    const zodInvalid = rate(invalid, ms, (x) => {
      const r = zodReadingV2.safeParse(x);
      return r.success || r.error.issues[0] === undefined;
    });

    const apiValid = rate(mixed, ms, (x) => validateReading(x).ok);
    const apiInvalid = rate(invalid, ms, (x) => validateReading(x).ok);

    const note = 'same ReadingV2 rules in each engine; machine shared, numbers noisy';
    return [
      {
        group: GROUP,
        name: 'valid reading: TypeBox TypeCompiler (chosen)',
        value: tbValid,
        unit: UNIT,
        baseline: { name: 'Ajv 8', value: ajvValid },
        higherIsBetter: true,
        note,
      },
      {
        group: GROUP,
        name: 'valid reading: Zod 4 safeParse (baseline)',
        value: zodValid,
        unit: UNIT,
        higherIsBetter: true,
      },
      {
        group: GROUP,
        name: 'invalid reading + first error: TypeBox TypeCompiler (chosen)',
        value: tbInvalid,
        unit: UNIT,
        baseline: { name: 'Ajv 8', value: ajvInvalid },
        higherIsBetter: true,
        note,
      },
      {
        group: GROUP,
        name: 'invalid reading + first error: Zod 4 safeParse (baseline)',
        value: zodInvalid,
        unit: UNIT,
        higherIsBetter: true,
      },
      {
        group: GROUP,
        name: 'validateReading, half v1 without v (shipped API)',
        value: apiValid,
        unit: UNIT,
        higherIsBetter: true,
        note: 'includes version dispatch and the v: 1 copy',
      },
      {
        group: GROUP,
        name: 'validateReading, invalid with ContractError (shipped API)',
        value: apiInvalid,
        unit: UNIT,
        higherIsBetter: true,
      },
    ];
  },
};
