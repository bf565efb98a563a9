/**
 * Processes for the edge benchmarks, so that broker, load and measurement never share a V8 heap or an event loop:
 *
 *   node --import tsx bench/suites/edge-procs.ts gateway '<settings json>'   the gateway (startGateway)
 *   node --import tsx bench/suites/edge-procs.ts aedes                        plain aedes on TCP, no persistence
 *   node --import tsx bench/suites/edge-procs.ts load '<LoadSetup json>'      QoS 1 publishers (MQTT.js, or the lean
 *                                                                              raw-publisher.ts for background load)
 *
 * Each child prints JSON lines on stdout and takes JSON commands on stdin: brokers answer {"cmd":"usage"} with their
 * own process.cpuUsage() and RSS; a load process answers {"cmd":"run", ...} with its rate and PUBACK latencies.
 * Broker children run from a bundle of this file (builtSelf: no tsx loader, as `npm run build` ships the product);
 * the gateway gets the systemd unit's V8 flags (deployedNodeOptions), and both brokers its scheduling priority
 * (deployedNice; see brokerPriority for whether it took). FLEETSYNC_BENCH_NODE_ARGS adds node flags to
 * the broker children (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). For diagnosis:
 *   FLEETSYNC_BENCH_CHILD_LOG=<dir>   each child's non-protocol output (e.g. --trace-gc) in <dir>/<role>-<pid>.log
 *   FLEETSYNC_BENCH_ELD=1             brokers print their event-loop delay (max, p99, mean) every second
 *   FLEETSYNC_BENCH_ALLOC_PROF=<dir>  the gateway writes an allocation profile that includes collected objects
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { packagePath } from '../../shared/package-root.ts';
import { RawPublisher } from './raw-publisher.ts';
import { quietDebug } from '../../cli/quiet-debug.js';
import { dropMqttNumberCaches } from '../../shared/mqtt/number-cache.ts';

const SELF = fileURLToPath(import.meta.url);

// ------------------------------------------------------------------------------------------------ parent side

export interface Usage {
  cpuUs: number;
  rssBytes: number;
  /** Private (anonymous) part of the RSS, where Linux tells; the rest is file-backed (binary, mmapped tables). */
  rssAnonBytes: number | null;
  heapTotalBytes: number;
  externalBytes: number;
  gc: GcPauses;
}

/** GC pauses of a broker child as Node reports them (perf_hooks 'gc' entries): totals since start. */
export interface GcPauses {
  count: number;
  totalMs: number;
  over5Ms: number;
  /** The longest pause since the previous usage read. */
  maxMsSinceLastRead: number;
}

/** The GC pauses between two usage reads, for a report note. */
export function gcBetween(before: Usage, after: Usage): string {
  const n = after.gc.count - before.gc.count;
  const total = after.gc.totalMs - before.gc.totalMs;
  const over5 = after.gc.over5Ms - before.gc.over5Ms;
  return `${n} GC pauses, ${total.toFixed(0)} ms in all, ${over5} over 5 ms, longest ${after.gc.maxMsSinceLastRead.toFixed(1)} ms`;
}

export interface LoadSetup {
  port: number;
  clients: number;
  /** PUBLISHes in flight per client. */
  inflight: number;
  vehicle: string;
  /** Client i publishes as sensor `${sensorPrefix}${offset + i}` one of `signals` (round robin by client). */
  sensorPrefix: string;
  offset: number;
  signals: Array<{ signal: string; unit: string; base: number; spread: number }>;
  /** 'raw': the lean publisher of raw-publisher.ts (background load); default MQTT.js, as sensors' own clients. */
  client?: 'mqtt.js' | 'raw';
}

export type LoadRun = { perClient: number } | { durationMs: number; ratePerClient: number };

export interface LoadResult {
  acked: number;
  startedAt: number;
  endedAt: number;
  /** PUBACK latencies in microseconds (sorted). */
  latUs: number[];
}

/** A child process speaking JSON lines. */
export class Child {
  readonly proc: ChildProcess;
  private readonly lines: Array<Record<string, unknown>> = [];
  private waiter: (() => void) | null = null;
  private stderr = '';
  private exited = false;

  /**
   * `script`: a bundle of this file (see builtSelf) run without tsx's loader; default this file through tsx.
   * `nice`: the niceness to start the child with (through nice(1), so that every thread it starts has it too).
   */
  constructor(role: string, arg: unknown, nodeArgs: string[] = [], script?: string, nice = 0) {
    const entry = script ? [script] : ['--import', 'tsx', SELF];
    const argv = [...nodeArgs, ...entry, role, JSON.stringify(arg ?? null)];
    const [cmd, args] = nice === 0 ? [process.execPath, argv] : ['nice', ['-n', String(nice), process.execPath, ...argv]];
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const rl = createInterface({ input: this.proc.stdout! });
    // FLEETSYNC_BENCH_CHILD_LOG=<dir> keeps each child's other output (e.g. --trace-gc lines) in <dir>/<role>-<pid>.log.
    const logDir = process.env.FLEETSYNC_BENCH_CHILD_LOG;
    const log = logDir ? createWriteStream(`${logDir}/${role}-${this.proc.pid}.log`) : null;
    if (log) this.proc.once('exit', () => log.end());
    rl.on('line', (line) => {
      if (!line.startsWith('{"@":')) {
        log?.write(`${line}\n`);
        return; // pino lines and other output are not protocol
      }
      this.lines.push((JSON.parse(line) as { '@': Record<string, unknown> })['@']);
      this.waiter?.();
    });
    this.proc.stderr!.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    this.proc.once('exit', () => {
      this.exited = true;
      this.waiter?.();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next protocol message (in order), or a rejection when the child dies first. */
  async next(timeoutMs = 600_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.exited) throw new Error(`bench child exited: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`bench child gave no answer in ${timeoutMs} ms: ${this.stderr}`);
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 200);
      });
      this.waiter = null;
    }
    return this.lines.shift()!;
  }

  send(cmd: Record<string, unknown>): void {
    this.proc.stdin!.write(`${JSON.stringify(cmd)}\n`);
  }

  async ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.send(cmd);
    return this.next();
  }

  async usage(): Promise<Usage> {
    return (await this.ask({ cmd: 'usage' })) as unknown as Usage;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.send({ cmd: 'exit' });
    this.proc.stdin!.end();
    await Promise.race([gone, sleep(30_000).then(() => this.proc.kill('SIGKILL'))]);
  }
}

const brokerNodeArgs = (): string[] => (process.env.FLEETSYNC_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/** The gateway's systemd unit, whose V8 flags and niceness the bench gives its brokers. */
const deployedUnit = (): string => readFileSync(packagePath('deploy', 'edge', 'fleetsync-gateway.service'), 'utf8');

/**
 * The V8 flags the systemd unit gives the gateway on a truck (deploy/edge/fleetsync-gateway.service): NODE_OPTIONS
 * (young generation and heap cap) and the flags on ExecStart before the script (those NODE_OPTIONS refuses). The
 * bench runs the gateway as deployed.
 */
export function deployedNodeOptions(): string[] {
  const unit = deployedUnit();
  const env = /^Environment="NODE_OPTIONS=([^"]*)"/m.exec(unit);
  const exec = /^ExecStart=\S+\/node((?:\s+--\S+)*)\s+\S+\/cli\/fleetsync\.js\s/m.exec(unit);
  if (!env || !exec) throw new Error('deploy/edge/fleetsync-gateway.service: no NODE_OPTIONS, or an ExecStart that is not node <flags> .../cli/fleetsync.js');
  return [...env[1]!.split(/\s+/), ...exec[1]!.split(/\s+/)].filter(Boolean);
}

/** The unit's Nice= (deploy/edge/fleetsync-gateway.service), 0 when it sets none. */
export function deployedNice(): number {
  const m = /^Nice=(-?\d+)\s*$/m.exec(deployedUnit());
  return m ? Number(m[1]) : 0;
}

/**
 * Both brokers run with the unit's niceness, so that the load generators sharing the machine (on a truck they are
 * separate devices) come after the broker under test, as other processes on the truck's box do. Lowering a
 * niceness needs root or CAP_SYS_NICE; without it nice(1) warns and runs the broker at 0, which brokerPriority
 * reports beside the figures.
 */
let lastBrokerPriority: { wanted: number; got: number } | null = null;

/** "niceness -10 (the unit's Nice=)" or why it differs, for the notes of suites that start brokers. */
export function brokerPriority(): string {
  if (!lastBrokerPriority) return 'no broker started';
  const { wanted, got } = lastBrokerPriority;
  return got === wanted ? `brokers at niceness ${got} (the unit's Nice=)` : `brokers at niceness ${got}, not the unit's ${wanted} (needs root or CAP_SYS_NICE)`;
}

let built: Promise<string> | null = null;
/**
 * This file bundled as the product ships (`npm run build`: plain ESM, no tsx loader thread), built once per bench
 * process. Broker children (the gateway and its plain-aedes baseline alike) run from it, so their CPU and RSS are
 * those of the deployed gateway and not of the development loader.
 */
export function builtSelf(): Promise<string> {
  built ??= (async () => {
    const { buildDist } = await import('../../deploy/build-dist.mjs');
    const outdir = `${packagePath('bench', 'out', 'dist')}/`;
    await buildDist({ outdir, entryPoints: { 'edge-procs': 'bench/suites/edge-procs.ts' } });
    return `${outdir}edge-procs.mjs`;
  })();
  return built;
}

/** Starts a broker child and waits for its ports. */
export async function startBroker(kind: 'gateway', settings: Record<string, unknown>): Promise<{ child: Child; mqtt: number; http?: number }>;
export async function startBroker(kind: 'aedes'): Promise<{ child: Child; mqtt: number; http?: number }>;
export async function startBroker(kind: 'gateway' | 'aedes', settings?: Record<string, unknown>): Promise<{ child: Child; mqtt: number; http?: number }> {
  const nodeArgs = kind === 'gateway' ? [...deployedNodeOptions(), ...brokerNodeArgs()] : brokerNodeArgs();
  const nice = deployedNice();
  const child = new Child(kind, settings ?? null, nodeArgs, await builtSelf(), nice);
  const ready = await child.next(120_000);
  lastBrokerPriority = { wanted: nice, got: getPriority(child.pid) };
  return { child, mqtt: ready.mqtt as number, ...(typeof ready.http === 'number' ? { http: ready.http } : {}) };
}

/** Starts `processes` load children sharing `clients` between them; resolves when every client is connected. */
export async function startLoad(setup: Omit<LoadSetup, 'offset' | 'clients'>, clients: number, processes: number): Promise<Child[]> {
  const children: Child[] = [];
  let offset = 0;
  for (let p = 0; p < processes; p++) {
    const n = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
    children.push(new Child('load', { ...setup, clients: n, offset }));
    offset += n;
  }
  for (const c of children) await c.next(120_000);
  return children;
}

export interface MergedRun {
  acked: number;
  seconds: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs every load child at once and merges their results. */
export async function runLoad(children: Child[], run: LoadRun): Promise<MergedRun> {
  for (const c of children) c.send({ cmd: 'run', ...run });
  const results = (await Promise.all(children.map((c) => c.next()))) as unknown as LoadResult[];
  const lat = results.flatMap((r) => r.latUs).sort((a, b) => a - b);
  const acked = results.reduce((n, r) => n + r.acked, 0);
  const seconds = (Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000;
  return { acked, seconds, rate: acked / seconds, p50Ms: percentile(lat, 0.5) / 1000, p99Ms: percentile(lat, 0.99) / 1000 };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// ------------------------------------------------------------------------------------------------ child side

const say = (o: Record<string, unknown>): void => {
  // A marker prefix keeps protocol lines apart from anything else the child prints (e.g. warnings).
  process.stdout.write(`{"@":${JSON.stringify(o)}}\n`);
};

function commands(handle: (cmd: Record<string, unknown>) => Promise<boolean | void>): void {
  const rl = createInterface({ input: process.stdin });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain.then(async () => {
      const cmd = JSON.parse(line) as Record<string, unknown>;
      if ((await handle(cmd)) === true) process.exit(0);
    });
  });
}

const gcPauses: GcPauses = { count: 0, totalMs: 0, over5Ms: 0, maxMsSinceLastRead: 0 };

/** Brokers count their GC pauses, so that a latency figure can be read against them. */
function watchGc(): void {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcPauses.count++;
      gcPauses.totalMs += e.duration;
      if (e.duration > 5) gcPauses.over5Ms++;
      gcPauses.maxMsSinceLastRead = Math.max(gcPauses.maxMsSinceLastRead, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
}

const usage = (): Usage => {
  const gc = { ...gcPauses };
  gcPauses.maxMsSinceLastRead = 0;
  const u = process.cpuUsage();
  const m = process.memoryUsage();
  let anon: number | null = null;
  try {
    const kb = /RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) anon = Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return { cpuUs: u.user + u.system, rssBytes: m.rss, rssAnonBytes: anon, heapTotalBytes: m.heapTotal, externalBytes: m.external, gc };
};

/** FLEETSYNC_BENCH_ELD=1: the broker child prints its event-loop delay each second (into FLEETSYNC_BENCH_CHILD_LOG). */
function watchLoopDelay(): void {
  if (process.env.FLEETSYNC_BENCH_ELD !== '1') return;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  setInterval(() => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    process.stdout.write(`eld t=${Math.round(performance.now() - t0)} max=${ms(h.max)} p99=${ms(h.percentile(99))} mean=${ms(h.mean)}\n`);
    h.reset();
  }, 1000).unref();
}

/**
 * FLEETSYNC_BENCH_ALLOC_PROF=<dir>: samples every allocation of the gateway child, including objects the GC has since
 * collected (a plain --heap-prof keeps only survivors), and writes <dir>/alloc-<pid>.heapprofile at exit.
 */
async function profileAllocations(): Promise<() => Promise<void>> {
  const dir = process.env.FLEETSYNC_BENCH_ALLOC_PROF;
  if (!dir) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  return async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
    await writeFile(`${dir}/alloc-${process.pid}.heapprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

async function runGateway(raw: unknown): Promise<void> {
  // As the product's entry points do (cli/load-main.js), before aedes and mqtt-packet load.
  quietDebug();
  const { validateSettings } = await import('../../shared/settings/load-settings.ts');
  const { GatewaySettings } = await import('../../edge/settings.ts');
  const { startGateway } = await import('../../edge/gateway.ts');
  const settings = validateSettings(GatewaySettings, raw, 'bench gateway');
  const gw = await startGateway(settings);
  watchLoopDelay();
  watchGc();
  const stopAllocations = await profileAllocations();
  say({ mqtt: gw.ports.mqtt, http: gw.ports.http });
  commands(async (cmd) => {
    if (cmd.cmd === 'usage') say({ ...usage() });
    if (cmd.cmd === 'exit') {
      await stopAllocations();
      await gw.close();
      return true;
    }
  });
}

async function runAedes(): Promise<void> {
  // The same as the gateway gets, so that the baseline's cost per message is aedes's and not debug's.
  quietDebug();
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  dropMqttNumberCaches(); // as the gateway's broker does
  const server = createServer((s) => broker.handle(s));
  watchLoopDelay();
  watchGc();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  say({ mqtt: (server.address() as AddressInfo).port });
  commands(async (cmd) => {
    if (cmd.cmd === 'usage') say({ ...usage() });
    if (cmd.cmd === 'exit') {
      await new Promise<void>((r) => broker.close(() => r()));
      server.close();
      return true;
    }
  });
}

interface LoadClient {
  publish(topic: string, payload: string): Promise<unknown>;
  end(): Promise<unknown>;
}

async function loadClient(setup: LoadSetup, clientId: string): Promise<LoadClient> {
  if (setup.client === 'raw') return RawPublisher.connect(setup.port, clientId);
  const { default: mqtt } = await import('mqtt');
  const c: MqttClient = mqtt.connect(`mqtt://127.0.0.1:${setup.port}`, { clientId, reconnectPeriod: 0, keepalive: 60 });
  await new Promise<void>((res, rej) => {
    c.once('connect', () => res());
    c.once('error', rej);
  });
  return { publish: (topic, payload) => c.publishAsync(topic, payload, { qos: 1 }), end: () => c.endAsync() };
}

async function runLoadChild(setup: LoadSetup): Promise<void> {
  const clients: LoadClient[] = [];
  for (let i = 0; i < setup.clients; i++) clients.push(await loadClient(setup, `load-${process.pid}-${i}`));
  say({ connected: setup.clients });
  let counter = 0;
  const payload = (i: number): string => {
    const s = setup.signals[(setup.offset + i) % setup.signals.length]!;
    counter++;
    return JSON.stringify({ v: 2, signal: s.signal, value: Math.round((s.base + ((counter % 97) / 97 - 0.5) * s.spread) * 100) / 100, unit: s.unit, sensorTime: Date.now(), quality: 'good' });
  };
  const topic = (i: number): string => `fleet/${setup.vehicle}/${setup.sensorPrefix}${setup.offset + i}/reading`;

  commands(async (cmd) => {
    if (cmd.cmd === 'exit') {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      return true;
    }
    if (cmd.cmd !== 'run') return;
    const lat: number[] = [];
    let acked = 0;
    const startedAt = performance.timeOrigin + performance.now();
    const one = (i: number): Promise<void> => {
      const t0 = performance.now();
      return clients[i]!.publish(topic(i), payload(i)).then(() => {
        lat.push(Math.round((performance.now() - t0) * 1000));
        acked++;
      });
    };
    if ('perClient' in cmd) {
      const per = Number(cmd.perClient);
      await Promise.all(
        clients.map(async (_, i) => {
          let sent = 0;
          await Promise.all(
            Array.from({ length: setup.inflight }, async () => {
              while (sent < per) {
                sent++;
                await one(i);
              }
            }),
          );
        }),
      );
    } else {
      // One pacing loop for all clients of this process (a timer per message per client costs more than the send):
      // every millisecond each client sends what its rate says is due, phases spread so the total rate is smooth.
      const durationMs = Number(cmd.durationMs);
      const gapMs = 1000 / Number(cmd.ratePerClient);
      const t0 = performance.now();
      const end = t0 + durationMs;
      const sent = clients.map(() => 0);
      const inflight = clients.map(() => 0);
      const pending = new Set<Promise<void>>();
      while (performance.now() < end) {
        const now = performance.now();
        for (let i = 0; i < clients.length; i++) {
          const due = Math.floor((now - t0) / gapMs - i / clients.length) + 1;
          while (sent[i]! < due) {
            sent[i]!++;
            if (inflight[i]! >= setup.inflight) continue; // the broker is behind: skip, as a sensor with a full window would
            inflight[i]!++;
            const p = one(i).finally(() => {
              inflight[i]!--;
              pending.delete(p);
            });
            pending.add(p);
          }
        }
        await sleep(1);
      }
      await Promise.all(pending);
    }
    const endedAt = performance.timeOrigin + performance.now();
    lat.sort((a, b) => a - b);
    say({ acked, startedAt, endedAt, latUs: lat });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [role, arg] = process.argv.slice(2);
  const parsed = JSON.parse(arg ?? 'null') as unknown;
  if (role === 'gateway') await runGateway(parsed);
  else if (role === 'aedes') await runAedes();
  else if (role === 'load') await runLoadChild(parsed as LoadSetup);
  else throw new Error(`unknown role ${role}`);
}
