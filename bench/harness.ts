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
}

export interface BenchOptions {
  quick: boolean;
}

export interface BenchSuite {
  name: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
  /** Given median rows, says whether each target was met (keyed by row name). */
  check?(rows: BenchRow[]): Record<string, boolean>;
}
