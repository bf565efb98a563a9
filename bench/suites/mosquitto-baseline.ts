/**
 * Edge ingest against Mosquitto: the gateway's durable QoS 1 ingest (sensor broker, default rules, journal fsync
 * before every PUBACK) beside Mosquitto (Debian's package, persistence off) and plain aedes (no persistence), all
 * three driven by the same load generator (edge-procs.ts: MQTT.js publisher processes, fixed window in flight) in the
 * same run. Each broker's CPU and RSS are read from /proc for all three alike, so the instrument is the same for a C
 * broker and a Node one. Mosquitto comes from bench/install-mosquitto.sh; without it the Mosquitto rows are skipped
 * with the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions, BenchRow, BenchSuite } from '../harness.ts';
import { runLoad, startBroker, startLoad, type MergedRun } from './edge-procs.ts';
import { SIGNALS, gatewayBenchSettings, withTempDir } from './edge-ingest.ts';

const GROUP = 'Edge gateway ingest';
// The same load as the edge-ingest suite's throughput figure.
const CLIENTS = 8;
const INFLIGHT = 100;
const LOAD_PROCESSES = 2;

/** CPU (user + system) and resident memory of any process, from /proc (Linux). */
export interface ProcUsage {
  cpuUs: number;
  rssBytes: number;
}

const TICK_US = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const hz = Number(r.stdout?.trim());
  return 1e6 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
})();

export function procUsage(pid: number): ProcUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuUs: ticks * TICK_US, rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}

export function findMosquitto(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/bin/mosquitto']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export function mosquittoVersion(bin: string): string {
  const r = spawnSync(bin, ['-h'], { encoding: 'utf8' });
  return /mosquitto version ([\d.]+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitForPort(port: number, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), res(true)));
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

interface Mosquitto {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Mosquitto on a free loopback port: anonymous clients, no persistence, errors only in its log. */
export async function startMosquitto(bin: string, dir: string): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'),
  );
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  try {
    await waitForPort(port, proc, 10_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}: ${stderr.trim()}`);
  }
  return {
    port,
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await Promise.race([gone, sleep(5000).then(() => proc.kill('SIGKILL'))]);
    },
  };
}

interface Measured extends MergedRun {
  cpuUsPerMsg: number;
  rssMiB: number;
}

/** Warm-up, then `perClient` messages per client; the broker's CPU over the measured part and its RSS at the end. */
async function drive(port: number, pid: number, perClient: number): Promise<Measured> {
  const load = await startLoad({ port, inflight: INFLIGHT, vehicle: 'truck-1', sensorPrefix: 'ecu', signals: SIGNALS }, CLIENTS, LOAD_PROCESSES);
  try {
    await runLoad(load, { perClient: Math.max(100, Math.floor(perClient / 10)) });
    const u0 = procUsage(pid);
    const r = await runLoad(load, { perClient });
    const u1 = procUsage(pid);
    return { ...r, cpuUsPerMsg: (u1.cpuUs - u0.cpuUs) / r.acked, rssMiB: u1.rssBytes / 2 ** 20 };
  } finally {
    await Promise.all(load.map((c) => c.stop()));
  }
}

async function mosquittoRun(bin: string, perClient: number): Promise<Measured> {
  return withTempDir('bench-mosquitto-', async (dir) => {
    const m = await startMosquitto(bin, dir);
    try {
      return await drive(m.port, m.pid, perClient);
    } finally {
      await m.stop();
    }
  });
}

async function aedesRun(perClient: number): Promise<Measured> {
  const b = await startBroker('aedes');
  try {
    return await drive(b.mqtt, b.child.pid, perClient);
  } finally {
    await b.child.stop();
  }
}

async function gatewayRun(perClient: number): Promise<Measured> {
  return withTempDir('bench-mosq-gw-', async (dir) => {
    const b = await startBroker('gateway', gatewayBenchSettings(dir));
    try {
      return await drive(b.mqtt, b.child.pid, perClient);
    } finally {
      await b.child.stop();
    }
  });
}

export const ROWS = {
  rate: 'durable QoS 1 ingest vs Mosquitto, same load',
  p50: 'PUBACK latency p50 vs Mosquitto',
  p99: 'PUBACK latency p99 vs Mosquitto',
  cpu: 'broker CPU per message vs Mosquitto (/proc)',
  rss: 'broker RSS at full load vs Mosquitto',
  aedesRate: 'durable QoS 1 ingest vs plain aedes (same run as Mosquitto)',
  aedesRss: 'broker RSS at full load vs plain aedes',
  mosqVsAedes: 'Mosquitto QoS 1 ingest vs plain aedes',
};

export const mosquittoBaselineSuite: BenchSuite = {
  name: 'mosquitto-baseline',
  check(rows: BenchRow[]): Record<string, boolean> {
    const r = rows.find((x) => x.name === ROWS.aedesRate);
    return r?.baseline && !r.skipped ? { [ROWS.aedesRate]: r.value >= 0.45 * r.baseline.value } : {};
  },
  async run(opts: BenchOptions): Promise<BenchRow[]> {
    const perClient = opts.quick ? 2500 : 12_500;
    const bin = findMosquitto();
    const gw = await gatewayRun(perClient);
    const raw = await aedesRun(perClient);
    const rows: BenchRow[] = [];
    const load = `${CLIENTS} MQTT.js clients x ${INFLIGHT} in flight in ${LOAD_PROCESSES} processes, ${((CLIENTS * perClient) / 1000).toFixed(0)}k msgs of ~150 B JSON`;
    if (!bin) {
      const reason = 'mosquitto not installed (run bench/install-mosquitto.sh as root)';
      process.stderr.write(`bench: mosquitto-baseline: ${reason}\n`);
      for (const name of [ROWS.rate, ROWS.p50, ROWS.p99, ROWS.cpu, ROWS.rss, ROWS.mosqVsAedes])
        rows.push({ group: GROUP, name, value: Number.NaN, unit: '', skipped: reason });
    } else {
      const version = mosquittoVersion(bin);
      const m = await mosquittoRun(bin, perClient);
      const base = (value: number) => ({ name: `Mosquitto ${version}, no persistence`, value });
      rows.push(
        {
          group: GROUP, name: ROWS.rate, value: gw.rate, unit: 'msgs/s', baseline: base(m.rate), higherIsBetter: true,
          note: `${load}; gateway stores every reading (LevelDB, fsync) before PUBACK and evaluates the default rules, Mosquitto stores nothing`,
        },
        { group: GROUP, name: ROWS.p50, value: gw.p50Ms, unit: 'ms', baseline: base(m.p50Ms), higherIsBetter: false },
        { group: GROUP, name: ROWS.p99, value: gw.p99Ms, unit: 'ms', baseline: base(m.p99Ms), higherIsBetter: false },
        {
          group: GROUP, name: ROWS.cpu, value: gw.cpuUsPerMsg, unit: 'µs/msg', baseline: base(m.cpuUsPerMsg), higherIsBetter: false,
          note: `utime + stime from /proc/<pid>/stat over the measured part; plain aedes: ${raw.cpuUsPerMsg.toFixed(1)} µs/msg`,
        },
        { group: GROUP, name: ROWS.rss, value: gw.rssMiB, unit: 'MiB', baseline: base(m.rssMiB), higherIsBetter: false, note: 'VmRSS at the end of the measured part' },
        {
          group: GROUP, name: ROWS.mosqVsAedes, value: m.rate, unit: 'msgs/s', baseline: { name: 'plain aedes, no persistence', value: raw.rate }, higherIsBetter: true,
          note: `Mosquitto p50/p99 ${m.p50Ms.toFixed(2)}/${m.p99Ms.toFixed(2)} ms; aedes ${raw.p50Ms.toFixed(2)}/${raw.p99Ms.toFixed(2)} ms (single-threaded brokers; the load generator shares the 2 cores)`,
        },
      );
    }
    const aedesBase = (value: number) => ({ name: 'plain aedes, no persistence', value });
    rows.push(
      {
        group: GROUP, name: ROWS.aedesRate, value: gw.rate, unit: 'msgs/s', baseline: aedesBase(raw.rate), higherIsBetter: true, target: '>= 0.45x raw aedes',
        note: 'the same comparison as the edge-ingest row, repeated here so all three brokers share one run',
      },
      { group: GROUP, name: ROWS.aedesRss, value: gw.rssMiB, unit: 'MiB', baseline: aedesBase(raw.rssMiB), higherIsBetter: false },
    );
    return rows;
  },
};
