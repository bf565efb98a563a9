/**
 * The shape every benchmark suite shares. A suite measures its figure and the baseline in the same run;
 * the runner repeats suites and reports medians, ratios and the machine.
 */
export interface BenchRow {
  /** Report section, e.g. "Uplink efficiency". */
  group: string;
  /** What was measured, e.g. "wire format: bytes per reading". */
  name: string;
  value: number;
  unit: string;
  /** The same figure for the baseline, measured in the same run. */
  baseline?: { name: string; value: number };
  /** Human-readable target, e.g. ">= 0.45x raw aedes". */
  target?: string;
  /** Computed from the medians by the suite's `check`, if any. */
  higherIsBetter?: boolean;
  note?: string;
  /**
   * Set when the figure could not be measured on this machine (e.g. a missing program); the reason is printed and
   * the row is reported as skipped instead of with a value.
   */
  skipped?: string;
  /** A point of a chart the runner draws into docs/bench-<chart>.svg from the medians. */
  plot?: PlotPoint;
}

export interface PlotPoint {
  /** File name part and identity of the chart, e.g. "scaling-silver". */
  chart: string;
  /** Chart title. */
  title: string;
  /** Work done, in `xLabel` units (plotted on a log axis). */
  x: number;
  xLabel: string;
  /** The line this point belongs to, e.g. "measured" or "linear from 1x". */
  series: string;
}

export interface BenchOptions {
  quick: boolean;
}

export interface BenchSuite {
  name: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
  /** Given median rows, says whether each target was met (keyed by row name). */
  check?(rows: BenchRow[]): Record<string, boolean>;
  /** At most this many repetitions, whatever --runs says (suites whose one run already takes minutes). */
  maxRuns?: number;
}
