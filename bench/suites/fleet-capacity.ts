/**
 * Fleet capacity: the largest fleet this machine runs in real time (speedup 1) with everything on it: the cloud
 * service (embedded hub, pipeline, API), one gateway process per truck, and every truck's sensors. The truck count
 * steps up (5, 10, 20, 40; quick: 5, 10) for a measured window each; a step is sustained when the simulated clock
 * does not fall behind, and neither the gateways' journals nor the sensors' unacknowledged publishes grow by more
 * than a few seconds of the fleet's output. Baseline, in the same run and at the same truck counts: the same
 * sensors publishing to a plain aedes broker (no gateways, no cloud).
 *
 * The parts run as separate processes, so /proc gives each its own CPU and memory:
 *
 *   node --import tsx bench/suites/fleet-capacity.ts system '<json>'    cloud service + one gateway process per truck
 *   node --import tsx bench/suites/fleet-capacity.ts sensors '<json>'   the trucks' sensors (a fleet run at 1x)
 *   node --import tsx bench/suites/fleet-capacity.ts broker             plain aedes on TCP (baseline)
 *
 * Each child speaks JSON lines on stdout and stops when its IPC channel closes or on SIGTERM.
 * FLEETSYNC_BENCH_FLEET_STEPS="2,4" and FLEETSYNC_BENCH_FLEET_WINDOW_S=20 override the steps and the window.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchRow, BenchSuite } from '../harness.ts';

const SELF = fileURLToPath(import.meta.url);
const WARMUP_S = 10;
const SAMPLE_MS = 2000;
/** Trucks leave their depots this soon (seconds), so that every sensor sends at its driving rate from the start. */
const DEPART_AFTER_S = 30;
/** Lag of the simulated clock that still counts as real time, ms. */
const MAX_LAG_MS = 2000;
/** Growth of a backlog over the window that still counts as bounded, in seconds of the fleet's output. */
const MAX_GROWTH_S = 5;
/** Memory a step needs per truck before it is tried (gateway process plus its share of the rest). */
const NEED_PER_TRUCK_BYTES = 350 * 2 ** 20;

// ------------------------------------------------------------------------------------------------ children

interface SystemSetup {
  trucks: number;
  seed: number;
  startMs: number;
  dataDir: string;
}

/**
 * How long every sensor may take to get its first CONNACK. Gateways answer once their start settles, and at the
 * larger steps dozens of them settle at once on the machine's two cores: in one full bench run, 40 gateways took
 * longer than a fixed 60 s (alone, the same step connected in time).
 */
const sensorsReadyMs = (trucks: number): number => Math.max(60_000, trucks * 2_500);

interface SensorsSetup {
  trucks: number;
  seed: number;
  startMs: number;
  /** One broker for all trucks, or one per vehicle. */
  brokers: string | Record<string, string>;
}

interface SensorStats {
  t: number;
  lagMs: number;
  /** Publishes and items (readings + positions) sent so far. */
  sent: number;
  items: number;
  pending: number;
  connected: number;
  sensors: number;
}

const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

/** Resolves when the parent asks this child to stop: SIGTERM, or the IPC channel closing because the parent died. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    if (process.channel) {
      process.channel.unref();
      process.once('disconnect', () => resolve());
    }
  });
}

async function runSystem(o: SystemSetup): Promise<void> {
  const [{ pino }, { validateSettings }, { CloudSettings }, { startCloudService }, { startFleetGateways }, { generateFleet }, { createTruck }] = await Promise.all([
    import('pino'),
    import('../../shared/settings/load-settings.ts'),
    import('../../cloud/settings.ts'),
    import('../../cloud/service.ts'),
    import('../../firmware-sim/fleet-gateways.ts'),
    import('../../firmware-sim/fleet.ts'),
    import('../../firmware-sim/truck.ts'),
  ]);
  const log = pino({ level: 'warn' }, pino.destination(2));
  const settings = validateSettings(
    CloudSettings,
    { dataDir: join(o.dataDir, 'cloud'), hub: { port: 0, hosts: ['localhost', '127.0.0.1'] }, api: { port: 0 }, log: { level: 'warn' } },
    'bench cloud settings',
  );
  const cloud = await startCloudService(settings, log);
  const spec = generateFleet({ trucks: o.trucks, seed: o.seed, startMs: o.startMs, maxDepartAfterS: DEPART_AFTER_S });
  const trucks = spec.trucks.map((t) => createTruck(t, spec.seed, spec.startMs));
  const gateways = await startFleetGateways({
    trucks,
    dataDir: join(o.dataDir, 'trucks'),
    hub: cloud.embedded!,
    startTimeoutMs: 120_000,
    onEvent: (vehicle, what) => process.stderr.write(`${vehicle}: ${what}\n`),
  }).catch(async (err: unknown) => {
    await cloud.close();
    throw err;
  });
  const list = [...gateways.gateways.values()];
  say({
    ready: {
      brokers: Object.fromEntries(list.map((g) => [g.vehicle, g.brokerUrl])),
      gateways: list.map((g) => ({ vehicle: g.vehicle, pid: g.process.pid, statusUrl: g.statusUrl })),
    },
  });
  await untilStopped();
  await gateways.stop();
  await cloud.close();
  process.exit(0);
}

async function runSensors(o: SensorsSetup): Promise<void> {
  const [{ generateFleet }, { createFleetRun }] = await Promise.all([import('../../firmware-sim/fleet.ts'), import('../../firmware-sim/fleet-run.ts')]);
  const spec = generateFleet({ trucks: o.trucks, seed: o.seed, startMs: o.startMs, maxDepartAfterS: DEPART_AFTER_S });
  const brokers = o.brokers;
  const run = createFleetRun({
    fleet: spec,
    brokerUrl: typeof brokers === 'string' ? brokers : (t) => brokers[t.vehicle] ?? '',
    speedup: 1,
  });
  await run.ready(sensorsReadyMs(o.trucks));
  run.start();
  say({ ready: true });
  const timer = setInterval(() => {
    const s = run.stats();
    const gt = run.recorder.totals();
    const stats: SensorStats = {
      t: Date.now(),
      lagMs: s.lagMs,
      sent: s.sent,
      items: gt.telemetry.readings + gt.telemetry.positions,
      pending: s.pending,
      connected: s.connected,
      sensors: s.sensors,
    };
    say({ stats });
  }, 1000);
  await untilStopped();
  clearInterval(timer);
  await run.stop(1000);
  process.exit(0);
}

async function runBroker(): Promise<void> {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server = createServer((s) => aedes.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  say({ ready: { port: (server.address() as AddressInfo).port } });
  await untilStopped();
  server.close();
  await new Promise<void>((r) => aedes.close(() => r()));
  process.exit(0);
}

// ------------------------------------------------------------------------------------------------ parent side

/** A child process of this file speaking JSON lines. */
class Child {
  readonly proc: ChildProcess;
  private readonly waiters: ((line: Record<string, unknown>) => boolean)[] = [];
  private stderr = '';
  readonly exited: Promise<void>;
  /** The latest `stats` line (sensors child). */
  stats: SensorStats | null = null;

  constructor(role: string, arg?: unknown) {
    const args = ['--import', 'tsx', SELF, role, ...(arg === undefined ? [] : [JSON.stringify(arg)])];
    this.proc = spawn(process.execPath, args, { stdio: ['ipc', 'pipe', 'pipe'] });
    this.proc.channel?.unref();
    this.proc.stderr!.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-3000)));
    this.exited = new Promise((r) => this.proc.once('exit', () => r()));
    createInterface({ input: this.proc.stdout! }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      if (line.stats) this.stats = line.stats as SensorStats;
      for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i]!(line)) this.waiters.splice(i, 1);
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** The first line with a `ready` field; rejects when the child exits or the time is up. */
  ready<T>(timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} not ready within ${timeoutMs} ms: ${this.stderr.trim().slice(-500)}`)), timeoutMs);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${what} exited: ${this.stderr.trim().slice(-500)}`));
      });
      this.waiters.push((line) => {
        if (line.ready === undefined) return false;
        clearTimeout(timer);
        resolve(line.ready as T);
        return true;
      });
    });
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (clockTicks > 0) return clockTicks;
  try {
    clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    clockTicks = 100;
  }
  return clockTicks;
}

/** CPU seconds (user + system) and RSS bytes of a process, from /proc; null when it is gone. */
function procUsage(pid: number): { cpuS: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / ticksPerSecond();
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuS, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

function metricSum(text: string, name: string, lanes: readonly string[]): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !lanes.some((l) => line.includes(`lane="${l}"`))) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** Unsent telemetry and alert events over all gateways (the status lane fills on a timer of its own). */
async function gatewayBacklog(urls: readonly string[]): Promise<number> {
  const each = await Promise.all(
    urls.map(async (u) => {
      const res = await fetch(`${u}/metrics`, { signal: AbortSignal.timeout(5000) });
      return metricSum(await res.text(), 'fleetsync_gateway_journal_events', ['telemetry', 'alerts']);
    }),
  );
  return each.reduce((a, b) => a + b, 0);
}

type Part = 'gateways' | 'cloud' | 'sensors' | 'broker';

interface StepResult {
  mode: 'system' | 'baseline';
  trucks: number;
  sustained: boolean;
  why: string;
  maxLagMs: number;
  /** Growth over the window, in seconds of the fleet's output. */
  backlogGrowthS: number | null;
  pendingGrowthS: number;
  itemsPerS: number;
  /** Cores used on average over the window, per part. */
  cpu: Partial<Record<Part, number>>;
  /** Mean RSS over the window, bytes, per part. */
  rss: Partial<Record<Part, number>>;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const ends = (xs: number[]): { first: number; last: number } => {
  const k = Math.max(1, Math.floor(xs.length / 3));
  return { first: mean(xs.slice(0, k)), last: mean(xs.slice(-k)) };
};

async function runStep(mode: 'system' | 'baseline', trucks: number, windowS: number): Promise<StepResult> {
  const seed = 1;
  const startMs = Date.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-fleet-'));
  let host: Child | null = null;
  let sensors: Child | null = null;
  try {
    // The side that receives: the whole system, or a plain broker.
    let brokers: SensorsSetup['brokers'];
    const parts: { part: Part; pid: () => number | null }[] = [];
    let statusUrls: string[] = [];
    if (mode === 'system') {
      host = new Child('system', { trucks, seed, startMs, dataDir } satisfies SystemSetup);
      const ready = await host.ready<{ brokers: Record<string, string>; gateways: { pid: number; statusUrl: string }[] }>(120_000 + trucks * 5_000, `cloud and ${trucks} gateways`);
      brokers = ready.brokers;
      statusUrls = ready.gateways.map((g) => g.statusUrl);
      const h = host;
      parts.push({ part: 'cloud', pid: () => h.pid });
      for (const g of ready.gateways) parts.push({ part: 'gateways', pid: () => g.pid });
    } else {
      host = new Child('broker');
      const ready = await host.ready<{ port: number }>(30_000, 'aedes');
      brokers = `mqtt://127.0.0.1:${ready.port}`;
      const h = host;
      parts.push({ part: 'broker', pid: () => h.pid });
    }
    sensors = new Child('sensors', { trucks, seed, startMs, brokers } satisfies SensorsSetup);
    await sensors.ready(sensorsReadyMs(trucks) + 30_000, `${trucks} trucks' sensors`);
    const s = sensors;
    parts.push({ part: 'sensors', pid: () => s.pid });
    await sleep(WARMUP_S * 1000);

    const usage = (): Map<number, { part: Part; cpuS: number; rssBytes: number }> => {
      const m = new Map<number, { part: Part; cpuS: number; rssBytes: number }>();
      for (const p of parts) {
        const pid = p.pid();
        const u = pid === null ? null : procUsage(pid);
        if (pid !== null && u) m.set(pid, { part: p.part, ...u });
      }
      return m;
    };
    const t0 = performance.now();
    const u0 = usage();
    const stats0 = s.stats;
    const rssSamples: Map<number, { part: Part; rssBytes: number }>[] = [];
    const lags: number[] = [];
    const pending: number[] = [];
    const backlog: number[] = [];
    while (performance.now() - t0 < windowS * 1000) {
      await sleep(SAMPLE_MS);
      rssSamples.push(usage());
      if (s.stats) {
        lags.push(s.stats.lagMs);
        pending.push(s.stats.pending);
      }
      if (statusUrls.length) backlog.push(await gatewayBacklog(statusUrls).catch(() => Number.NaN));
    }
    const u1 = usage();
    const elapsedS = (performance.now() - t0) / 1000;
    const stats1 = s.stats;

    const cpu: StepResult['cpu'] = {};
    for (const [pid, end] of u1) {
      const start = u0.get(pid);
      if (start) cpu[end.part] = (cpu[end.part] ?? 0) + (end.cpuS - start.cpuS) / elapsedS;
    }
    const rss: StepResult['rss'] = {};
    for (const sample of rssSamples) for (const v of sample.values()) rss[v.part] = (rss[v.part] ?? 0) + v.rssBytes / rssSamples.length;

    const itemsPerS = stats0 && stats1 ? (stats1.items - stats0.items) / ((stats1.t - stats0.t) / 1000) : 0;
    const publishesPerS = stats0 && stats1 ? (stats1.sent - stats0.sent) / ((stats1.t - stats0.t) / 1000) : 0;
    const maxLagMs = Math.max(0, ...lags);
    const p = ends(pending);
    const pendingGrowthS = publishesPerS > 0 ? (p.last - p.first) / publishesPerS : 0;
    const b = ends(backlog.filter(Number.isFinite));
    const backlogGrowthS = statusUrls.length ? (itemsPerS > 0 ? (b.last - b.first) / itemsPerS : 0) : null;
    const why: string[] = [];
    if (!stats1 || stats1.connected < stats1.sensors) why.push(`${stats1 ? stats1.sensors - stats1.connected : '?'} sensors disconnected`);
    if (maxLagMs > MAX_LAG_MS) why.push(`clock ${(maxLagMs / 1000).toFixed(1)} s behind`);
    if (pendingGrowthS > MAX_GROWTH_S) why.push(`unacknowledged publishes grew by ${pendingGrowthS.toFixed(1)} s of output`);
    if (backlogGrowthS !== null && backlogGrowthS > MAX_GROWTH_S) why.push(`gateway backlogs grew by ${backlogGrowthS.toFixed(1)} s of output`);
    if (backlog.some((x) => !Number.isFinite(x))) why.push('a gateway did not answer /metrics');
    return { mode, trucks, sustained: why.length === 0, why: why.join('; '), maxLagMs, backlogGrowthS, pendingGrowthS, itemsPerS, cpu, rss };
  } finally {
    await sensors?.stop(15_000);
    await host?.stop(60_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const pct = (cores: number | undefined): string => `${(100 * (cores ?? 0)).toFixed(1)}%`;
const mb = (bytes: number | undefined): string => `${((bytes ?? 0) / 2 ** 20).toFixed(0)} MB`;

function describe(r: StepResult): string {
  const parts = (Object.keys(r.cpu) as Part[]).map((p) => `${p} ${pct(r.cpu[p])} ${mb(r.rss[p])}`).join(', ');
  return `${r.trucks} trucks ${r.sustained ? 'sustained' : `NOT sustained (${r.why})`}: ${r.itemsPerS.toFixed(0)} items/s, max lag ${Math.round(r.maxLagMs)} ms, ${parts}`;
}

function steps(quick: boolean): number[] {
  const env = process.env.FLEETSYNC_BENCH_FLEET_STEPS;
  if (env) return env.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return quick ? [5, 10] : [5, 10, 20, 40];
}

export const fleetCapacitySuite: BenchSuite = {
  name: 'fleet-capacity',
  // About 12 minutes per full run: one run keeps `npm run bench` within its hour; each step is already ~60 s long.
  maxRuns: 1,
  async run({ quick }): Promise<BenchRow[]> {
    const windowS = Number(process.env.FLEETSYNC_BENCH_FLEET_WINDOW_S ?? (quick ? 30 : 60));
    const system: StepResult[] = [];
    const baseline: StepResult[] = [];
    const notes: string[] = [];
    let systemGoes = true;
    let baselineGoes = true;
    for (const n of steps(quick)) {
      if (!systemGoes && !baselineGoes) break;
      if (freemem() < n * NEED_PER_TRUCK_BYTES + 2 ** 30) {
        notes.push(`stopped before ${n} trucks: ${mb(freemem())} free`);
        break;
      }
      if (baselineGoes) {
        const r = await runStep('baseline', n, windowS);
        process.stderr.write(`fleet-capacity: baseline ${describe(r)}\n`);
        baseline.push(r);
        baselineGoes = r.sustained;
      }
      if (systemGoes) {
        const r = await runStep('system', n, windowS);
        process.stderr.write(`fleet-capacity: system ${describe(r)}\n`);
        system.push(r);
        systemGoes = r.sustained;
      }
    }
    const maxOf = (rs: StepResult[]): number => Math.max(0, ...rs.filter((r) => r.sustained).map((r) => r.trucks));
    const maxSystem = maxOf(system);
    const maxBaseline = maxOf(baseline);
    // Per-truck figures at the largest sustained fleet (or the smallest tried, if none was).
    const at = system.find((r) => r.trucks === maxSystem) ?? system[0];
    const base = at ? baseline.find((r) => r.trucks === at.trucks) : undefined;
    const tried = steps(quick);
    const capped = (m: number, rs: StepResult[]): string => (m > 0 && m === tried[tried.length - 1] && rs.every((r) => r.sustained) ? ` (every step sustained: at least ${m})` : '');
    const perTruck = (r: StepResult | undefined, f: (r: StepResult) => number): number => (r ? f(r) / r.trucks : 0);
    const rows: BenchRow[] = [
      {
        group: 'Fleet capacity',
        name: 'trucks sustained in real time, gateways + cloud + sensors on this machine',
        value: maxSystem,
        unit: 'trucks',
        baseline: { name: 'sensors to a plain aedes broker', value: maxBaseline },
        higherIsBetter: true,
        note:
          `steps ${tried.join(', ')}, ${windowS} s each after ${WARMUP_S} s warm-up, speedup 1, trucks driving; sustained = clock lag <= ${MAX_LAG_MS} ms and ` +
          `journals and unacknowledged publishes growing by <= ${MAX_GROWTH_S} s of output.${capped(maxSystem, system)} ` +
          [...system.map((r) => `system ${describe(r)}`), ...baseline.map((r) => `baseline ${describe(r)}`), ...notes].join('. '),
      },
    ];
    if (at) {
      rows.push(
        {
          group: 'Fleet capacity',
          name: `CPU per truck: its gateway + share of the cloud (${at.trucks} trucks)`,
          value: perTruck(at, (r) => 100 * ((r.cpu.gateways ?? 0) + (r.cpu.cloud ?? 0))),
          unit: '% of a core',
          ...(base ? { baseline: { name: 'plain aedes broker per truck', value: perTruck(base, (r) => 100 * (r.cpu.broker ?? 0)) } } : {}),
          higherIsBetter: false,
          note: `the sensors' own simulation took ${pct(perTruck(at, (r) => r.cpu.sensors ?? 0))} of a core per truck (not counted); gateways ${pct(perTruck(at, (r) => r.cpu.gateways ?? 0))}, cloud ${pct(perTruck(at, (r) => r.cpu.cloud ?? 0))} per truck`,
        },
        {
          group: 'Fleet capacity',
          name: `memory per truck: its gateway + share of the cloud (${at.trucks} trucks)`,
          value: perTruck(at, (r) => ((r.rss.gateways ?? 0) + (r.rss.cloud ?? 0)) / 2 ** 20),
          unit: 'MB RSS',
          ...(base ? { baseline: { name: 'plain aedes broker per truck', value: perTruck(base, (r) => (r.rss.broker ?? 0) / 2 ** 20) } } : {}),
          higherIsBetter: false,
          note: `gateways ${mb(perTruck(at, (r) => r.rss.gateways ?? 0))}, cloud ${mb(perTruck(at, (r) => r.rss.cloud ?? 0))} per truck; a gateway process holds the whole Node runtime, so most of its RSS is fixed`,
        },
      );
    }
    return rows;
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [role, arg] = process.argv.slice(2);
  const parsed = JSON.parse(arg ?? 'null') as unknown;
  if (role === 'system') await runSystem(parsed as SystemSetup);
  else if (role === 'sensors') await runSensors(parsed as SensorsSetup);
  else if (role === 'broker') await runBroker();
  else throw new Error(`unknown role ${role}`);
}
