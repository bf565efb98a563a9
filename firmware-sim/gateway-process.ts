import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const BIN = fileURLToPath(new URL('../cli/fleetsync.js', import.meta.url));

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
  /** Power cut: SIGKILL, no chance to flush. */
  kill9(): Promise<void>;
  /** Starts it again on the same data folder and settings; the sensor port stays the same. */
  restart(): Promise<GatewayPorts>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  truckId: string;
  /** Gateway settings document (edge/settings.ts); written to `<dir>/gateway.json`. */
  settings: Record<string, unknown>;
  dir: string;
  /** Receives the process's log lines (JSON, pino). */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

export async function startGatewayProcess(opts: GatewayProcessOptions): Promise<GatewayProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const configFile = join(opts.dir, 'gateway.json');
  let settings = opts.settings;
  writeFileSync(configFile, JSON.stringify(settings, null, 2));
  let child: ChildProcess | null = null;
  let exited: Promise<number | null> = Promise.resolve(null);
  let ports: GatewayPorts = { mqtt: 0, http: 0 };

  const launch = (): Promise<GatewayPorts> =>
    new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, [BIN, 'gateway', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      exited = new Promise((r) => proc.once('exit', (code) => r(code)));
      const timer = setTimeout(() => reject(new Error(`gateway ${opts.truckId} did not start within ${opts.startTimeoutMs ?? 30_000} ms`)), opts.startTimeoutMs ?? 30_000);
      let stderr = '';
      proc.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`gateway ${opts.truckId} exited with ${code} before starting: ${stderr.trim()}`));
      });
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        opts.onLog?.(line);
        if (!line.includes('"gateway started"')) return;
        try {
          const p = (JSON.parse(line) as { ports: { mqtt: number; http: number } }).ports;
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
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    kill9: async () => {
      child?.kill('SIGKILL');
      await exited;
    },
    restart: async () => {
      ports = await launch();
      return ports;
    },
    stop: async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
