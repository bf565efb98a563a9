/**
 * `npm run bench [-- --quick] [-- --only <suite>[,<suite>]] [-- --runs N]`: runs every suite several times, takes
 * the median of each figure and its baseline, checks the targets, and writes a terminal table,
 * bench/out/results.json and (for a run of every suite) docs/benchmarks.md with the charts as docs/bench-*.svg.
 * A suite that fails is reported as failed; the others still run.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem, platform, arch, release } from 'node:os';
import { mkdirSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchRow, BenchSuite } from './harness.ts';
import { charts, markdown, terminalTable, type Report, type Result } from './report.ts';
import { measureSteal } from './host-steal.ts';
import { suites } from './suites/index.ts';
import { buildDist } from '../deploy/build-dist.mjs';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, runs: { type: 'string' } },
});
const quick = values.quick ?? false;
const runs = Number(values.runs ?? (quick ? 1 : 3));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const selected = suites.filter((s) => !only || only.some((o) => s.name.includes(o)));
if (selected.length === 0) throw new Error(`no suite matches --only ${values.only}; suites: ${suites.map((s) => s.name).join(', ')}`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const cpu = cpus();
const machine = `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}/${arch()}, Node ${process.version}`;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Gateways that suites start through the CLI (the fleet of fleet-capacity) run the bundle, as on a truck.
await buildDist();

// The Mosquitto comparison needs Debian's broker: the script installs it when missing (as root) and does nothing otherwise.
if (selected.some((s) => s.name === 'mosquitto-baseline')) {
  const r = spawnSync('sh', [join(root, 'bench/install-mosquitto.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stderr.write(`bench: ${r.stdout.trim()}\n`);
  if (r.status !== 0) process.stderr.write('bench: mosquitto could not be installed; its rows will be skipped\n');
}

/** Median of each row over the runs; baselines likewise; NaN samples (a figure a run could not produce) left out. */
function medians(suite: BenchSuite, samples: Map<string, BenchRow[]>): Result[] {
  return [...samples.values()].map((rs) => {
    const first = rs.at(-1)!;
    const measured = rs.filter((r) => !r.skipped && Number.isFinite(r.value));
    if (measured.length === 0) return { ...first, skipped: first.skipped ?? 'no run produced a value', runs: 0, suite: suite.name };
    const vals = measured.map((r) => r.value);
    const baseVals = measured.flatMap((r) => (r.baseline && Number.isFinite(r.baseline.value) ? [r.baseline.value] : []));
    const last = measured.at(-1)!;
    const baseline = last.baseline && baseVals.length ? { name: last.baseline.name, value: median(baseVals) } : undefined;
    const value = median(vals);
    const ratio = baseline && baseline.value !== 0 ? value / baseline.value : undefined;
    const { baseline: _b, skipped: _s, ...rest } = last;
    return {
      ...rest,
      value,
      ...(baseline ? { baseline } : {}),
      ...(ratio !== undefined ? { ratio } : {}),
      runs: measured.length,
      range: [Math.min(...vals), Math.max(...vals)] as [number, number],
      suite: suite.name,
    };
  });
}

const loadStart = loadavg()[0]!;
const started = performance.now();
const results: Result[] = [];
const raw: Record<string, BenchRow[][]> = {};
const suiteSeconds: Record<string, number> = {};
const suiteSteal: Record<string, number> = {};
const failures: Record<string, string> = {};
for (const suite of selected) {
  const n = Math.min(runs, suite.maxRuns ?? runs);
  const samples = new Map<string, BenchRow[]>();
  const t0 = performance.now();
  const steal = measureSteal(cpus().length);
  raw[suite.name] = [];
  for (let i = 0; i < n; i++) {
    process.stderr.write(`bench: ${suite.name} run ${i + 1}/${n} (${((performance.now() - started) / 60_000).toFixed(1)} min so far)\n`);
    let rows: BenchRow[];
    try {
      rows = await suite.run({ quick });
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`bench: ${suite.name} failed: ${msg}\n`);
      failures[suite.name] = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
      continue;
    }
    raw[suite.name]!.push(rows);
    for (const row of rows) {
      if (row.skipped) process.stderr.write(`bench: ${suite.name}: skipped "${row.name}": ${row.skipped}\n`);
      const key = `${row.group}\u0000${row.name}`;
      samples.set(key, [...(samples.get(key) ?? []), row]);
    }
  }
  suiteSeconds[suite.name] = (performance.now() - t0) / 1000;
  const stolen = steal();
  if (stolen !== null) suiteSteal[suite.name] = stolen;
  if (samples.size && failures[suite.name]) failures[suite.name] += ` (in some runs; the figures are from the ${raw[suite.name]!.length} that finished)`;
  const rows = medians(suite, samples);
  let met: Record<string, boolean> = {};
  try {
    met = suite.check?.(rows.filter((r) => !r.skipped)) ?? {};
  } catch (err) {
    process.stderr.write(`bench: ${suite.name} check failed: ${(err as Error).message}\n`);
  }
  for (const r of rows) if (r.name in met && !r.skipped) r.met = met[r.name];
  results.push(...rows);
}

const report: Report = {
  machine,
  quick,
  runs,
  at: new Date().toISOString(),
  command: `npm run bench${quick ? ' -- --quick' : ''}${values.runs ? ` -- --runs ${runs}` : ''}`,
  load: [loadStart, loadavg()[0]!],
  suiteSeconds,
  suiteSteal,
  failures,
  results,
};

process.stdout.write(terminalTable(report));
process.stdout.write(`Total ${((performance.now() - started) / 60_000).toFixed(1)} min.\n`);

const out = join(root, 'bench/out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), JSON.stringify({ ...report, samples: raw }, null, 2));
const drawn = charts(report);
for (const c of drawn) writeFileSync(join(out, `bench-${c.chart}.svg`), c.svg);

if (!only) {
  const docs = join(root, 'docs');
  mkdirSync(docs, { recursive: true });
  // Charts of a previous report that this one no longer draws would be stale: remove them.
  for (const f of readdirSync(docs)) if (/^bench-.*\.svg$/.test(f) && !drawn.some((c) => `bench-${c.chart}.svg` === f)) rmSync(join(docs, f));
  for (const c of drawn) writeFileSync(join(docs, `bench-${c.chart}.svg`), c.svg);
  writeFileSync(join(docs, 'benchmarks.md'), markdown(report, drawn.map((c) => ({ chart: c.chart, title: c.title, file: `bench-${c.chart}.svg` }))));
  process.stderr.write('bench: wrote docs/benchmarks.md and docs/bench-*.svg\n');
} else {
  process.stderr.write('bench: --only: docs/benchmarks.md left as it was; results in bench/out/\n');
}
// Suites leave no servers behind on purpose, but a stray handle must not keep the report from finishing.
process.exit(Object.keys(failures).length ? 1 : 0);
