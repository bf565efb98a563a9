import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemdNotifier, notifyCommand, watchdogIntervalMs } from './systemd-notify.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsync-notify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for systemd-notify that appends its argv and NOTIFY_SOCKET to a file, one line per call. */
function recordingTool(name: string, exitCode = 0): { tool: string; calls: () => string[][] } {
  const log = join(dir, `${name}.log`);
  const tool = join(dir, name);
  writeFileSync(tool, `#!/bin/sh\nprintf '%s' "$NOTIFY_SOCKET" >> '${log}'\nfor a in "$@"; do printf '\\t%s' "$a" >> '${log}'; done\necho >> '${log}'\nexit ${exitCode}\n`);
  chmodSync(tool, 0o755);
  return {
    tool,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => l.split('\t')) : []),
  };
}

describe('notification command construction', () => {
  it('passes each field as one VAR=VALUE argument', () => {
    expect(notifyCommand({ READY: '1', STATUS: 'journal open' })).toEqual({ file: 'systemd-notify', args: ['READY=1', 'STATUS=journal open'] });
    expect(notifyCommand({ WATCHDOG: '1' }, '/usr/bin/systemd-notify').file).toBe('/usr/bin/systemd-notify');
  });

  it('flattens newlines so a status text cannot add fields', () => {
    expect(notifyCommand({ STATUS: 'ok\nREADY=1' }).args).toEqual(['STATUS=ok READY=1']);
  });

  it('refuses malformed or missing field names', () => {
    expect(() => notifyCommand({ 'ready': '1' })).toThrow(/upper-case/);
    expect(() => notifyCommand({ '--pid': '1' })).toThrow(/upper-case/);
    expect(() => notifyCommand({})).toThrow(/at least one/);
  });
});

describe('watchdog interval', () => {
  const sock = { NOTIFY_SOCKET: '/run/systemd/notify' };
  it('is half of WATCHDOG_USEC', () => {
    expect(watchdogIntervalMs({ ...sock, WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ ...sock, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
  });
  it('is absent without a socket, without a valid WATCHDOG_USEC, or for another process', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ ...sock }, 42)).toBeNull();
    expect(watchdogIntervalMs({ ...sock, WATCHDOG_USEC: 'soon' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ ...sock, WATCHDOG_USEC: '0' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ ...sock, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeNull();
  });
});

describe('SystemdNotifier with a recording tool', () => {
  it('does nothing at all without NOTIFY_SOCKET', async () => {
    const rec = recordingTool('noop');
    const n = new SystemdNotifier({ env: { WATCHDOG_USEC: '1000000' }, tool: rec.tool });
    expect(n.enabled).toBe(false);
    expect(await n.ready('up')).toBe(false);
    expect(await n.watchdog()).toBe(false);
    expect(await n.watchdogTick()).toBe(false);
    expect(await n.stopping()).toBe(false);
    expect(n.startWatchdog()).toBeNull();
    await n.drain();
    expect(rec.calls()).toEqual([]);
  });

  it('runs the tool once per message, in call order, with the socket in its environment', async () => {
    const rec = recordingTool('ordered');
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/tmp/x.sock', PATH: process.env.PATH }, tool: rec.tool });
    const results = await Promise.all([n.ready('journal open'), n.watchdog(), n.status('online'), n.stopping('closing')]);
    expect(results).toEqual([true, true, true, true]);
    expect(rec.calls()).toEqual([
      ['/tmp/x.sock', 'READY=1', 'STATUS=journal open'],
      ['/tmp/x.sock', 'WATCHDOG=1'],
      ['/tmp/x.sock', 'STATUS=online'],
      ['/tmp/x.sock', 'STOPPING=1', 'STATUS=closing'],
    ]);
  });

  it('starves the watchdog while unhealthy', async () => {
    const rec = recordingTool('starve');
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/tmp/x.sock' }, tool: rec.tool });
    expect(await n.watchdogTick(() => false)).toBe(false);
    expect(await n.watchdogTick(() => { throw new Error('probe failed'); })).toBe(false);
    expect(rec.calls()).toEqual([]);
    expect(await n.watchdogTick(() => true)).toBe(true);
    expect(rec.calls()).toEqual([['/tmp/x.sock', 'WATCHDOG=1']]);
  });

  it('reports a failing or missing tool without throwing', async () => {
    const errors: string[] = [];
    const failing = recordingTool('failing', 3);
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/tmp/x.sock' }, tool: failing.tool, onError: (e) => errors.push(e.message) });
    expect(await n.ready()).toBe(false);
    const missing = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/tmp/x.sock' }, tool: join(dir, 'no-such-tool'), onError: (e) => errors.push(e.message) });
    expect(await missing.watchdog()).toBe(false);
    expect(errors[0]).toMatch(/READY=1: exit code 3/);
    expect(errors[1]).toMatch(/ENOENT/);
  });
});

const haveTool = spawnSync('systemd-notify', ['--version']).status === 0;
const havePython = spawnSync('python3', ['--version']).status === 0;

// A real AF_UNIX datagram socket standing in for the service manager's NOTIFY_SOCKET. It prints each message as a
// JSON string per line and closes any descriptor it receives, as systemd does for BARRIER=1.
const LISTENER = `
import array, json, socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("LISTENING"), flush=True)
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(payload[: len(payload) - len(payload) % 4])
            for fd in fds: os.close(fd)
    print(json.dumps(data.decode()), flush=True)
`;

describe.skipIf(!haveTool || !havePython)('real systemd-notify into a fake NOTIFY_SOCKET listener (python3 datagram socket)', () => {
  let listener: ChildProcessWithoutNullStreams;
  let socketPath: string;
  const received: string[] = [];
  const waitFor = async (pred: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!pred()) throw new Error(`never received ${what}; got ${JSON.stringify(received)}`);
  };

  beforeAll(async () => {
    socketPath = join(dir, 'notify.sock');
    listener = spawn('python3', ['-c', LISTENER, socketPath]);
    let buf = '';
    listener.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        received.push(JSON.parse(buf.slice(0, i)) as string);
        buf = buf.slice(i + 1);
      }
    });
    await waitFor(() => received.includes('LISTENING'), 'the listener start');
  });
  afterAll(() => {
    listener.kill('SIGKILL');
  });

  it('delivers READY, STATUS, WATCHDOG and STOPPING as datagrams', async () => {
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: socketPath } });
    expect(await n.ready('gateway started')).toBe(true);
    expect(await n.watchdog()).toBe(true);
    expect(await n.stopping()).toBe(true);
    await waitFor(() => received.includes('STOPPING=1'), 'STOPPING=1');
    const messages = received.filter((m) => m !== 'LISTENING' && m !== 'BARRIER=1');
    expect(messages).toEqual(['READY=1\nSTATUS=gateway started', 'WATCHDOG=1', 'STOPPING=1']);
  });

  it('feeds the watchdog on its own from WATCHDOG_USEC', async () => {
    const before = received.filter((m) => m === 'WATCHDOG=1').length;
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '400000' } });
    expect(n.startWatchdog()).toBe(200);
    try {
      await waitFor(() => received.filter((m) => m === 'WATCHDOG=1').length >= before + 2, 'two watchdog pings');
    } finally {
      n.stopWatchdog();
    }
    await n.drain();
  });
});
