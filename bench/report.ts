/**
 * Rendering of benchmark results: the terminal table, docs/benchmarks.md (sections in suite order, each explaining
 * its baselines, a summary of targets met and missed, links to the charts) and the SVG charts of plotted rows.
 * Pure functions over the median rows; run.ts does the measuring and the writing.
 */
import type { BenchRow } from './harness.ts';
import { logLogSvg, type Series } from './plot.ts';

export interface Result extends BenchRow {
  ratio?: number;
  runs: number;
  met?: boolean;
  /** Smallest and largest value over the runs. */
  range?: [number, number];
  suite: string;
}

export interface Report {
  machine: string;
  quick: boolean;
  runs: number;
  at: string;
  command: string;
  /** Load average (1 min) before and after, as a hint of how busy the machine was. */
  load: [number, number];
  suiteSeconds: Record<string, number>;
  /** Per suite, the percentage of all cores' time the hypervisor gave to other guests (Linux only). */
  suiteSteal?: Record<string, number>;
  failures: Record<string, string>;
  results: Result[];
}

/** Why each section's baseline is the right comparison; keyed by BenchRow.group. */
export const SECTION_ABOUT: Record<string, string> = {
  'Edge gateway ingest':
    "QoS 1 readings into the gateway (sensor broker, default alert rules, LevelDB journal with fsync before every PUBACK) against brokers that store nothing: plain aedes (the gateway's own broker library, so the ratio is what durability and rules cost) and Mosquitto (a C broker, the usual choice on a truck). All are driven by the same load generator (bench/suites/edge-procs.ts: MQTT.js publishers in separate processes with a fixed window in flight), one broker at a time; broker CPU per message and RSS are the broker process's own. On 2 cores the load generator competes with the broker, so msgs/s is a floor for every broker alike; CPU per message is the sharper comparison.",
  Footprint:
    'The whole gateway (broker, rules, journal, uplink to an embedded hub) at a realistic truck load, 50 sensors at 500 msgs/s in total: CPU % of one core over the measured window and RSS at its end, beside plain aedes under the same load. Below them, what this host charges a thread for waking up: at this rate every message reaches a thread that has just slept, so CPU per message is many times that of a busy gateway (compare the CPU per message of the ingest section at full load).',
  'Edge alert latency':
    "From a sensor's PUBLISH to the alert on the in-cab topic, with 100 rules and background load from publisher processes; baseline: plain aedes relaying the same probe topic to a subscriber under the same load (what delivery alone costs).",
  'Alert engine':
    'Rule evaluation alone, in-process: µs per reading with the default and with 100 rules, against the same loop through an engine with zero rules (the fixed cost of ordering checks and state).',
  'Uplink efficiency (wire format)':
    "One truck's generated day through the batch wire format against one JSON document per reading (what a naive device sends). IoT Hub bills 4 KB blocks per message, so blocks per million readings is the cost figure; S1 price per million readings follows from it.",
  'Edge backlog drain':
    'A gateway coming back online with a stored backlog, draining it through the Azure device SDK (MQTT over TLS) to an embedded hub endpoint. Baselines: the same forwarder with a no-op link (what the SDK and the hop cost), the same drain with no live data (what sharing the link with live data costs), and the live lag once the backlog is gone.',
  'Edge journal':
    'The LevelDB journal alone: group-commit appends against a put per message with sync, and the cost of a large backlog in open time, memory and disk.',
  'Hub endpoint':
    'Telemetry into the embedded IoT Hub endpoint from SDK clients where every PUBACK waits for the durable spool; baseline: the same endpoint with a sink that stores nothing.',
  Pipeline:
    'The medallion pipeline on real DuckDB files: Bronze to Silver (decode, validate, upcast, units, dedup, load) against a raw Appender load of the same rows; Gold refresh against a plain SQL scan and aggregate of the same Silver rows; Parquet export against one unsorted COPY per table.',
  'End-to-end latency (sensor to Silver)':
    "Everything real on default settings: the cloud service (embedded hub, Bronze, Silver/Gold loop, API) and one gateway process per truck with default uplink batching (a batch leaves at 64 KB or after 1 s). Probe readings are timed from PUBLISH to being visible in Silver through the pipeline's read connection; baseline: the same probes' hub ack (Bronze commit), so the difference is the Silver step. Most of the time is the gateway's batching window, by design.",
  'Silver freshness late in the day':
    "A fleet whose day is nearly over, with Silver and Gold up to date, then live traffic for the same day through the running background loop. Gold recomputes a whole (vehicle, day), so a refresh reads the day so far again: a loop that refreshes every dirty partition on every round makes each Bronze batch wait for the whole fleet's day. Baseline: that loop (goldEveryS 0, no slice limit) on a copy of the same database, in the same run. The Gold lag rows show what slices and the 10 s minimum interval cost Gold's freshness.",
  'Scaling (cloud pipeline)':
    'Bronze ingest, Bronze to Silver and the Gold refresh at 1x, 4x and 16x the work (trucks, one day each) on fresh databases. Baseline: linear growth from the 1x point of the same run; a ratio below 1 means the stage gets cheaper per event at scale. The log-log slope over the three points is the growth exponent (1 = linear).',
  'Fleet capacity':
    'The largest fleet this machine runs in real time with everything on it (cloud service, one gateway process per truck, every truck\'s sensors), stepping the truck count; a step is sustained when neither the simulated clock nor the journals fall behind. Baseline: the same sensors publishing to a plain aedes broker (no gateways, no cloud) at the same truck counts.',
  'Contract validation': 'The shipped validator (TypeBox TypeCompiler) against Ajv 8 and Zod 4 on the same ReadingV2 rules.',
};

/** Rows reported in another section than their suite's group (the brief's report order, without editing suites). */
const SECTION_OF_ROW: Array<[RegExp, string]> = [[/^(gateway (CPU|RSS) at \d+ sensors|host wake-up cost)/, 'Footprint']];

export const sectionOf = (r: BenchRow): string => SECTION_OF_ROW.find(([re]) => re.test(r.name))?.[1] ?? r.group;

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 10) return n.toFixed(1);
  if (a === 0) return '0';
  return n.toPrecision(3);
}

const HEADER = ['figure', 'value', 'baseline (same run)', 'ratio', 'target', 'met', 'runs (min..max)'];

function cells(r: Result): string[] {
  if (r.skipped) return [r.name, 'skipped', '', '', r.target ?? '', '', r.skipped];
  return [
    r.name,
    `${fmt(r.value)}${r.unit ? ` ${r.unit}` : ''}`,
    r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.name})` : '',
    r.ratio !== undefined ? `${r.ratio.toFixed(3)}x` : '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.range && r.runs > 1 ? `${r.runs} (${fmt(r.range[0])}..${fmt(r.range[1])})` : String(r.runs),
  ];
}

/** Sections in the order their first row appears (suite order), rows in suite order within. */
function sections(results: Result[]): Array<[string, Result[]]> {
  const out = new Map<string, Result[]>();
  for (const r of results) {
    const s = sectionOf(r);
    out.set(s, [...(out.get(s) ?? []), r]);
  }
  return [...out];
}

export function terminalTable(rep: Report): string {
  const rows = sections(rep.results).flatMap(([s, rs]) => rs.map((r) => [s, ...cells(r)]));
  const header = ['section', ...HEADER];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  const failures = Object.entries(rep.failures).map(([s, e]) => `FAILED ${s}: ${e}\n`);
  return [
    `\nMachine: ${rep.machine}; load ${rep.load[0].toFixed(1)} -> ${rep.load[1].toFixed(1)}\n`,
    `${line(header)}\n`,
    `${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
    ...rows.map((r) => `${line(r)}\n`),
    ...failures,
    ...stealLine(rep),
    `${summaryLine(rep)}\n`,
  ].join('');
}

function summaryLine(rep: Report): string {
  const withTarget = rep.results.filter((r) => r.met !== undefined);
  const met = withTarget.filter((r) => r.met).length;
  return `Targets: ${met} of ${withTarget.length} met${withTarget.length > met ? ` (missed: ${withTarget.filter((r) => !r.met).map((r) => r.name).join('; ')})` : ''}.`;
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|');

/** Charts from rows with `plot`: the measured points and, dashed, their baselines. */
export function charts(rep: Report): Array<{ chart: string; title: string; svg: string }> {
  const byChart = new Map<string, Result[]>();
  for (const r of rep.results) if (r.plot && !r.skipped && Number.isFinite(r.value)) byChart.set(r.plot.chart, [...(byChart.get(r.plot.chart) ?? []), r]);
  return [...byChart].map(([chart, rs]) => {
    const first = rs[0]!;
    const series = new Map<string, Series>();
    const add = (name: string, x: number, y: number, dashed: boolean): void => {
      const s = series.get(name) ?? { name, points: [], dashed };
      s.points.push([x, y]);
      series.set(name, s);
    };
    for (const r of rs) {
      add(`${r.plot!.series} (median of ${r.runs})`, r.plot!.x, r.value, false);
      if (r.baseline) add(r.baseline.name, r.plot!.x, r.baseline.value, true);
    }
    const title = first.plot!.title;
    const svg = logLogSvg({
      title,
      subtitle: `${rep.quick ? 'QUICK run, ' : ''}${rep.machine.split(',').slice(0, 2).join(',')}`,
      xLabel: first.plot!.xLabel,
      yLabel: first.unit || 'value',
      series: [...series.values()],
    });
    return { chart, title, svg };
  });
}

export function markdown(rep: Report, chartFiles: Array<{ chart: string; title: string; file: string }>): string {
  const out: string[] = ['# Benchmarks', ''];
  if (rep.quick)
    out.push(
      '> **Quick run** (`--quick`): smaller workloads and one repetition, for checking that everything runs. The official figures come from a full run (`npm run bench`) on a quiet machine.',
      '',
    );
  out.push(
    `Generated by \`${rep.command}\` at ${rep.at}.`,
    '',
    `**Machine:** ${rep.machine}. Load average ${rep.load[0].toFixed(1)} at the start, ${rep.load[1].toFixed(1)} at the end${rep.load[0] > 1.5 ? ' (the machine was busy: figures are noisy)' : ' (the load at the end is the last suites\' own processes)'}.`,
    '',
    `**Method:** every suite runs ${rep.runs} time(s); each figure is the median over the runs, and each baseline is measured in the same run on the same machine, its median beside it. Ratio = value / baseline (for times and latencies, below 1 is faster than the baseline). The last column shows the runs and the spread of the value over them. A target is met or missed on the medians.`,
    '',
    '**Reproduce:** `npm run bench` (full, about an hour on 2 cores), `npm run bench -- --quick` (about 10 minutes), `npm run bench -- --only <suite>[,<suite>]` for some suites (results go to bench/out/ only), `--runs N` to change the repetitions. Mosquitto comes from Debian (`bench/install-mosquitto.sh`, run by the bench when it is missing and it is root); without it those rows are skipped. Raw results with every run: `bench/out/results.json`.',
    '',
    '## Targets',
    '',
    '| section | figure | value | baseline (same run) | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rep.results.filter((x) => x.target)) {
    const [figure, value, baseline, ratio, target] = cells(r);
    const met = r.met === undefined ? (r.skipped ? 'skipped' : 'not checked') : r.met ? 'yes' : '**no**';
    out.push(`| ${[sectionOf(r), figure!, value!, `${baseline}${ratio ? `, ratio ${ratio}` : ''}`, target!].map(mdCell).join(' | ')} | ${met} |`);
  }
  out.push('', summaryLine(rep), '');
  if (Object.keys(rep.failures).length) {
    out.push('**Suites that failed in this run** (their rows are missing):', '');
    for (const [s, e] of Object.entries(rep.failures)) out.push(`- \`${s}\`: ${mdCell(e)}`);
    out.push('');
  }
  for (const [section, rs] of sections(rep.results)) {
    out.push(`## ${section}`, '');
    const about = SECTION_ABOUT[section];
    if (about) out.push(about, '');
    out.push(`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`);
    for (const r of rs) out.push(`| ${cells(r).map(mdCell).join(' | ')} |`);
    out.push('');
    const notes = rs.filter((r) => r.note);
    for (const r of notes) out.push(`- **${r.name}**: ${r.note}`);
    if (notes.length) out.push('');
    for (const c of chartFiles.filter((f) => rs.some((r) => r.plot?.chart === f.chart))) out.push(`![${c.title}](${c.file})`, '', `[${c.file}](${c.file})`, '');
  }
  out.push('## Run times', '', 'CPU steal: the share of all cores\' time the hypervisor gave to other guests during the suite; the noise no same-run baseline cancels.', '', '| suite | seconds (all runs) | CPU steal |', '| --- | --- | --- |');
  for (const [s, sec] of Object.entries(rep.suiteSeconds)) out.push(`| ${s} | ${sec.toFixed(0)} | ${stealText(rep.suiteSteal?.[s])} |`);
  out.push('');
  return out.join('\n');
}

const stealText = (pct: number | undefined): string => (pct === undefined ? 'n/a' : `${pct.toFixed(1)} %`);

function stealLine(rep: Report): string[] {
  const entries = Object.entries(rep.suiteSteal ?? {});
  if (entries.length === 0) return [];
  return [`Host CPU steal (time the hypervisor gave to other guests): ${entries.map(([s, p]) => `${s} ${stealText(p)}`).join(', ')}\n`];
}
