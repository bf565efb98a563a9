/**
 * Readiness and watchdog notifications for the gateway's systemd unit (Type=notify, WatchdogSec=).
 *
 * Node has no AF_UNIX datagram sockets, so each message is sent by the `systemd-notify` tool. The sender is a short-
 * lived child, not the main process, hence NotifyAccess=all in the unit. A message from a process that has already
 * exited may not be attributed to the unit, but since systemd 246 the tool waits (BARRIER=1) until the service manager
 * has read the message before it exits, which closes that race (Debian bullseye has 247, bookworm 252).
 *
 * Without NOTIFY_SOCKET (not started by systemd, or not Type=notify) every call is a no-op that spawns nothing.
 */
import { spawn } from 'node:child_process';

export type NotifyFields = Readonly<Record<string, string>>;

export interface NotifyCommand {
  file: string;
  args: string[];
}

const KEY = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The command that sends `fields` as one notification message. Pure. Values are made single-line, because a newline
 * would start a new field in the message (a STATUS text could otherwise forge READY=1).
 */
export function notifyCommand(fields: NotifyFields, tool = 'systemd-notify'): NotifyCommand {
  const args = Object.entries(fields).map(([key, value]) => {
    if (!KEY.test(key)) throw new TypeError(`notification field "${key}" is not an upper-case variable name`);
    return `${key}=${value.replace(/[\r\n]+/g, ' ')}`;
  });
  if (!args.length) throw new TypeError('a notification needs at least one field');
  return { file: tool, args };
}

/**
 * How often to feed the watchdog: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. Null when there is no
 * watchdog for this process (no NOTIFY_SOCKET, no or bad WATCHDOG_USEC, or WATCHDOG_PID names another process).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | null {
  if (!env.NOTIFY_SOCKET) return null;
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

export interface NotifierOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** The sending tool. Default: `systemd-notify` from PATH. */
  tool?: string;
  /** A tool still running after this long is killed and the message counts as failed. */
  timeoutMs?: number;
  /** Called for each message that could not be sent. Sending never throws. */
  onError?: (err: Error) => void;
}

export interface WatchdogOptions {
  /** Checked before each ping: while it answers false the watchdog is starved, so systemd restarts a wedged gateway. */
  healthy?: () => boolean;
}

export class SystemdNotifier {
  readonly enabled: boolean;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pid: number;
  private readonly tool: string;
  private readonly timeoutMs: number;
  private readonly onError: (err: Error) => void;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private pingInFlight = false;

  constructor(opts: NotifierOptions = {}) {
    this.env = opts.env ?? process.env;
    this.pid = opts.pid ?? process.pid;
    this.tool = opts.tool ?? 'systemd-notify';
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.onError = opts.onError ?? (() => undefined);
    this.enabled = Boolean(this.env.NOTIFY_SOCKET);
  }

  /**
   * Sends one message; messages go out in call order. Resolves true once the tool reported success; a failure goes
   * to onError and resolves false. Throws only for a malformed field name (a programming error).
   */
  send(fields: NotifyFields): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const cmd = notifyCommand(fields, this.tool);
    const next = this.queue.then(() => this.run(cmd));
    this.queue = next;
    return next;
  }

  ready(status?: string): Promise<boolean> {
    return this.send(status === undefined ? { READY: '1' } : { READY: '1', STATUS: status });
  }

  watchdog(): Promise<boolean> {
    return this.send({ WATCHDOG: '1' });
  }

  stopping(status?: string): Promise<boolean> {
    return this.send(status === undefined ? { STOPPING: '1' } : { STOPPING: '1', STATUS: status });
  }

  status(text: string): Promise<boolean> {
    return this.send({ STATUS: text });
  }

  /**
   * One watchdog round: pings unless unhealthy or a ping is still on its way (a hung tool must not pile up
   * processes). Resolves true when a ping was sent.
   */
  async watchdogTick(healthy: () => boolean = () => true): Promise<boolean> {
    if (!this.enabled || this.pingInFlight) return false;
    let ok: boolean;
    try {
      ok = healthy();
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
      ok = false;
    }
    if (!ok) return false;
    this.pingInFlight = true;
    try {
      return await this.watchdog();
    } finally {
      this.pingInFlight = false;
    }
  }

  /** Feeds the watchdog every WATCHDOG_USEC/2. Returns the interval, or null when systemd set no watchdog. */
  startWatchdog(opts: WatchdogOptions = {}): number | null {
    const interval = watchdogIntervalMs(this.env, this.pid);
    if (interval === null) return null;
    this.stopWatchdog();
    const tick = (): void => void this.watchdogTick(opts.healthy);
    this.timer = setInterval(tick, interval);
    // The watchdog must never be what keeps the process alive.
    this.timer.unref();
    tick();
    return interval;
  }

  stopWatchdog(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Waits for messages already handed to send(). */
  async drain(): Promise<void> {
    await this.queue;
  }

  private run(cmd: NotifyCommand): Promise<boolean> {
    return new Promise((resolve) => {
      let stderr = '';
      let settled = false;
      const done = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        if (err) this.onError(err);
        resolve(err === null);
      };
      const child = spawn(cmd.file, cmd.args, {
        env: this.env,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: this.timeoutMs,
        killSignal: 'SIGKILL',
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < 512) stderr += chunk;
      });
      child.on('error', (err) => done(new Error(`${cmd.file} ${cmd.args.join(' ')}: ${err.message}`)));
      child.on('close', (code, signal) => {
        if (code === 0) return done(null);
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        done(new Error(`${cmd.file} ${cmd.args.join(' ')}: ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
      });
    });
  }
}

let shared: SystemdNotifier | null = null;
const notifier = (): SystemdNotifier => (shared ??= new SystemdNotifier());

/** Process-wide shortcuts over one notifier reading process.env. */
export const notifyReady = (status?: string): Promise<boolean> => notifier().ready(status);
export const notifyWatchdog = (): Promise<boolean> => notifier().watchdog();
export const notifyStopping = (status?: string): Promise<boolean> => notifier().stopping(status);
export const notifyStatus = (text: string): Promise<boolean> => notifier().status(text);
export const startWatchdog = (opts?: WatchdogOptions): number | null => notifier().startWatchdog(opts);
export const stopWatchdog = (): void => notifier().stopWatchdog();
