/**
 * Reads scenario files (YAML or JSON), fills defaults and validates them against the one scenario schema.
 * Errors name the field path (`/events/2/peakC`), judged against the event's own type, so a wrong field in one
 * event type does not read as "no union member matched".
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { packagePath } from '../shared/package-root.ts';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { EVENT_SCHEMAS, ScenarioSchema, type Scenario } from './scenario-schema.ts';

export interface ScenarioIssue {
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly source: string,
    readonly issues: ScenarioIssue[],
  ) {
    super(`${source}: ${issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ')}`);
  }
}

/** The library of named scenarios shipped with the simulator. */
export const SCENARIO_DIR = `${packagePath('firmware-sim', 'scenarios')}/`;

/** TypeBox says "Expected union value" for a failed union; the union's description says what was expected. */
function messageOf(err: ValueError): string {
  const description = (err.schema as { description?: unknown }).description;
  return err.type === ValueErrorType.Union && typeof description === 'string' ? `must be ${description}` : err.message;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Validates a parsed scenario document; fills defaults. Throws ScenarioError naming each wrong field. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const doc: unknown = Value.Default(ScenarioSchema, Value.Clone(raw ?? {}));
  // Defaults inside a union only apply once a variant matches, so fill each event from its own variant.
  if (isRecord(doc) && Array.isArray(doc.events)) {
    doc.events = doc.events.map((e: unknown) => {
      const schema = isRecord(e) && typeof e.type === 'string' ? EVENT_SCHEMAS[e.type] : undefined;
      return schema ? Value.Default(schema, e) : e;
    });
  }
  if (Value.Check(ScenarioSchema, doc)) return doc;
  const issues: ScenarioIssue[] = [];
  for (const err of Value.Errors(ScenarioSchema, doc)) {
    if (/^\/events\/\d+/.test(err.path)) continue;
    issues.push({ path: err.path, message: messageOf(err) });
  }
  if (isRecord(doc) && Array.isArray(doc.events)) {
    doc.events.forEach((e: unknown, i: number) => {
      const base = `/events/${i}`;
      if (!isRecord(e)) return issues.push({ path: base, message: 'Expected object' });
      const schema = typeof e.type === 'string' ? EVENT_SCHEMAS[e.type] : undefined;
      if (!schema) {
        return issues.push({ path: `${base}/type`, message: `Expected one of ${Object.keys(EVENT_SCHEMAS).join(', ')}` });
      }
      for (const err of Value.Errors(schema, e)) issues.push({ path: `${base}${err.path}`, message: messageOf(err) });
    });
  }
  // Union members report several errors per field; one per path reads better.
  const seen = new Set<string>();
  const unique = issues.filter((i) => !seen.has(i.path) && seen.add(i.path));
  throw new ScenarioError(source, unique.length ? unique.slice(0, 10) : [{ path: '/', message: 'invalid scenario' }]);
}

/** Reads and validates a scenario file; YAML unless the name ends in .json. */
export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, [{ path: '/', message: `cannot read: ${(err as Error).message}` }]);
  }
  const json = extname(file).toLowerCase() === '.json';
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(file, [{ path: '/', message: `not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}` }]);
  }
  return parseScenario(raw, file);
}

/** Names of the library scenarios. */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .map((f) => basename(f, extname(f)))
    .sort();
}

/** A library scenario by name, or a scenario file by path. */
export function loadScenario(nameOrFile: string): Scenario {
  for (const ext of ['.yaml', '.yml', '.json']) {
    const f = join(SCENARIO_DIR, `${nameOrFile}${ext}`);
    if (/^[A-Za-z0-9._-]+$/.test(nameOrFile) && existsSync(f)) return loadScenarioFile(f);
  }
  if (existsSync(nameOrFile)) return loadScenarioFile(nameOrFile);
  throw new ScenarioError(nameOrFile, [
    { path: '/', message: `no such scenario file or library name (library: ${listScenarios().join(', ')})` },
  ]);
}

/** The scenarios with every `include` resolved (each included scenario once, in order). */
export function expandIncludes(scenarios: readonly Scenario[], load: (name: string) => Scenario = loadScenario): Scenario[] {
  const out: Scenario[] = [];
  const seen = new Set<string>();
  const visit = (s: Scenario, trail: string[]): void => {
    if (trail.includes(s.name)) throw new ScenarioError(s.name, [{ path: '/include', message: `include cycle: ${[...trail, s.name].join(' -> ')}` }]);
    for (const name of s.include) visit(load(name), [...trail, s.name]);
    if (!seen.has(s.name)) {
      seen.add(s.name);
      out.push(s);
    }
  };
  for (const s of scenarios) visit(s, []);
  return out;
}
