import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../shared/package-root.ts';
import { createInterface } from 'node:readline';

/** `fleetsync gateway --config <file>`, stopped by itself when this process dies (see gateway-child.js). */
const CHILD = packagePath('firmware-sim', 'gateway-child.js');

export interface GatewayPorts {
  mqtt: number;
  http: number;
}

/** One truck's gateway as a real process (`fleetsync gateway --config`), so power cuts are real `kill -9`s. */
export interface GatewayProcess {
  readonly truckId: string;
  readonly configFile: string;
  readonly ports: GatewayPorts;
  readonly running: boolean;
  /** Process id while running (for CPU and memory readings), null otherwise. */
  readonly pid: number | null;
  /** Starts, counting the first. */
  readonly starts: number;
  /** Power cut: SIGKILL, no chance to flush. */
  kill9(): Promise<void>;
  /**
   * Starts it again on the same data folder and settings; the sensor port stays the same. `env` replaces the extra
   * environment of this and later starts (e.g. a faked wall clock after a power cut).
   */
  restart(opts?: { env?: Readonly<Record<string, string>> }): Promise<GatewayPorts>;
  /** SIGTERM and wait for a clean exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface GatewayProcessOptions {
  truckId: string;
  /** Gateway settings document (edge/settings.ts); written to `<dir>/gateway.json`. */
  settings: Record<string, unknown>;
  dir: string;
  /** Receives the process's log lines (JSON, pino). */
  onLog?: (line: string) => void;
  /** Called when the process ends without being asked to (a crash). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null, stderrTail: string) => void;
  startTimeoutMs?: number;
  /** Extra environment of the child, over this process's (e.g. LD_PRELOAD of a faked clock). */
  env?: Readonly<Record<string, string>>;
}

// Children still running when this process exits are killed: a simulation must not leave gateways behind.
const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

const isRunning = (c: ChildProcess | null): c is ChildProcess => c !== null && c.exitCode === null && c.signalCode === null;

export async function startGatewayProcess(opts: GatewayProcessOptions): Promise<GatewayProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const configFile = join(opts.dir, 'gateway.json');
  let settings = opts.settings;
  writeFileSync(configFile, JSON.stringify(settings, null, 2));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let ports: GatewayPorts = { mqtt: 0, http: 0 };
  let starts = 0;
  /** The exit of the current child was asked for (kill9, stop). */
  let expected = false;
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  let extraEnv = opts.env ?? {};

  const launch = (): Promise<GatewayPorts> =>
    new Promise((resolve, reject) => {
      expected = false;
      starts++;
      // stdin is an IPC channel: the child stops when it closes (this process died). Its own process group keeps a
      // terminal's Ctrl-C from reaching it: the simulation stops its gateways itself, after the sensors.
      const proc = spawn(process.execPath, [CHILD, configFile], {
        stdio: ['ipc', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, ...extraEnv },
      });
      child = proc;
      track(proc);
      proc.channel?.unref();
      let started = false;
      let stderr = '';
      proc.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`gateway ${opts.truckId} did not start within ${timeoutMs} ms: ${stderr.trim().slice(-500)}`));
      }, timeoutMs);
      exited = new Promise((r) =>
        proc.once('exit', (code, signal) => {
          clearTimeout(timer);
          if (!started) reject(new Error(`gateway ${opts.truckId} exited with ${code ?? signal} before starting: ${stderr.trim().slice(-500)}`));
          else if (!expected) opts.onUnexpectedExit?.(code, signal, stderr.trim().slice(-500));
          r();
        }),
      );
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        opts.onLog?.(line);
        if (started || !line.includes('"gateway started"')) return;
        try {
          const p = (JSON.parse(line) as { ports: { mqtt: number; http: number } }).ports;
          started = true;
          clearTimeout(timer);
          resolve({ mqtt: p.mqtt, http: p.http });
        } catch {
          // not the line we wait for
        }
      });
    });

  ports = await launch();
  // Sensors reconnect to the same port after a restart, as they would on a truck.
  settings = { ...settings, broker: { ...((settings.broker as object | undefined) ?? {}), port: ports.mqtt } };
  writeFileSync(configFile, JSON.stringify(settings, null, 2));

  return {
    truckId: opts.truckId,
    configFile,
    get ports() {
      return ports;
    },
    get running() {
      return isRunning(child);
    },
    get pid() {
      return isRunning(child) ? (child.pid ?? null) : null;
    },
    get starts() {
      return starts;
    },
    kill9: async () => {
      if (!isRunning(child)) return;
      expected = true;
      child.kill('SIGKILL');
      await exited;
    },
    restart: async (o = {}) => {
      if (isRunning(child)) throw new Error(`gateway ${opts.truckId} is still running`);
      if (o.env) extraEnv = o.env;
      ports = await launch();
      return ports;
    },
    stop: async (stopTimeoutMs = 15_000) => {
      if (!isRunning(child)) return;
      const c = child;
      expected = true;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
