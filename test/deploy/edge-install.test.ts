/**
 * The gateway's install, upgrade and rollback scripts, run for real into a scratch root (FLEETSYNC_ROOT) with a fake
 * systemctl that records its calls and keeps an active/inactive state. Releases are small copies of this checkout
 * whose node_modules is a link to the real one.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDist } from '../../deploy/build-dist.mjs';

const REPO = resolve(import.meta.dirname, '../..');
let work: string;
let root: string;
let fakeSystemctl: string;
let callLog: string;

function makeRelease(version: string): string {
  return makeReleaseIn(version);
}

/** A release with its bundle, as deploy/edge/build-release.sh makes them. */
async function makeBuiltRelease(version: string): Promise<string> {
  const dir = makeReleaseIn(version);
  await buildDist({ outdir: join(dir, 'dist') });
  return dir;
}

function makeReleaseIn(version: string): string {
  const dir = join(work, `src-${version}`);
  for (const part of ['cli', 'edge', 'shared', 'deploy']) {
    cpSync(join(REPO, part), join(dir, part), { recursive: true, filter: (src) => !src.includes('node_modules') && !src.endsWith('.test.ts') });
  }
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

interface Run {
  status: number | null;
  out: string;
  calls: string[];
}

function run(script: string, args: string[], env: Record<string, string> = {}): Run {
  writeFileSync(callLog, '');
  const r = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FLEETSYNC_ROOT: root, FLEETSYNC_SYSTEMCTL: fakeSystemctl, FLEETSYNC_SETTLE_S: '0', FAKE_ROOT: root, FAKE_LOG: callLog, ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, calls: readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean) };
}

const link = (name: string): string => readlinkSync(join(root, 'opt/fleetsync', name));
const config = (): { gatewayId: string; vehicle: string; uplink: { connectionString?: string } } =>
  JSON.parse(readFileSync(join(root, 'etc/fleetsync/gateway.json'), 'utf8'));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fleetsync-install-'));
  root = join(work, 'root');
  mkdirSync(root);
  callLog = join(work, 'systemctl.log');
  fakeSystemctl = join(work, 'systemctl');
  // Fails "start" while current points at $FAKE_FAIL_RELEASE, to exercise the automatic rollback.
  writeFileSync(
    fakeSystemctl,
    `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
state="$FAKE_ROOT/.active"
case "$1" in
  is-active) [ -e "$state" ]; exit $? ;;
  stop) rm -f "$state" ;;
  start)
    if [ -n "$FAKE_FAIL_RELEASE" ] && [ "$(readlink "$FAKE_ROOT/opt/fleetsync/current")" = "$FAKE_FAIL_RELEASE" ]; then exit 1; fi
    touch "$state" ;;
  show) echo 0 ;;
esac
exit 0
`,
  );
  chmodSync(fakeSystemctl, 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('gateway install, upgrade and rollback scripts (fake systemctl, scratch root)', () => {
  it('installs a first release with its configuration, unit and node link, and starts it', () => {
    const src = makeRelease('1.0.0');
    const cs = join(work, 'cs.txt');
    writeFileSync(cs, 'HostName=h.azure-devices.net;DeviceId=gw-7;SharedAccessKey=a2V5\n');
    const r = run(join(src, 'deploy/edge/install.sh'), ['--gateway-id', 'gw-7', '--vehicle', 'truck-7', '--connection-string-file', cs]);
    expect(r.status, r.out).toBe(0);
    expect(link('current')).toBe('releases/1.0.0');
    expect(existsSync(join(root, 'opt/fleetsync/previous'))).toBe(false);
    const nodeLink = readlinkSync(join(root, 'opt/fleetsync/releases/1.0.0/bin/node'));
    expect(nodeLink.startsWith('/')).toBe(true);
    expect(spawnSync(nodeLink, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()).toBe(process.versions.node);
    expect(config()).toMatchObject({ gatewayId: 'gw-7', vehicle: 'truck-7', uplink: { connectionString: 'HostName=h.azure-devices.net;DeviceId=gw-7;SharedAccessKey=a2V5' } });
    expect(statSync(join(root, 'etc/fleetsync/gateway.json')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(root, 'etc/systemd/system/fleetsync-gateway.service'), 'utf8')).toContain('Type=notify');
    expect(readFileSync(join(root, 'usr/local/bin/fleetsync'), 'utf8')).toContain('exec /opt/fleetsync/current/bin/node /opt/fleetsync/current/cli/fleetsync.js "$@"');
    expect(r.calls).toEqual([
      'is-active --quiet fleetsync-gateway.service', 'daemon-reload', 'enable fleetsync-gateway.service', 'start fleetsync-gateway.service',
      'show -p NRestarts --value fleetsync-gateway.service', 'is-active --quiet fleetsync-gateway.service', 'show -p NRestarts --value fleetsync-gateway.service',
    ]);
    expect(r.out).toContain('will run its TypeScript sources');
    // The connection string never appears on a command line or in the output.
    expect(r.out).not.toContain('a2V5');
  });

  it('upgrades: stops, switches current, keeps previous, the configuration and the data folder, starts', async () => {
    const journalFile = join(root, 'var/lib/fleetsync/journal/000001.log');
    mkdirSync(join(root, 'var/lib/fleetsync/journal'), { recursive: true });
    writeFileSync(journalFile, 'unsent events');
    const r = run(join(await makeBuiltRelease('1.1.0'), 'deploy/edge/install.sh'), []);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('the release runs its bundle (dist/)');
    expect(link('current')).toBe('releases/1.1.0');
    expect(link('previous')).toBe('releases/1.0.0');
    expect(config().gatewayId).toBe('gw-7');
    expect(readFileSync(journalFile, 'utf8')).toBe('unsent events');
    expect(r.calls).toEqual(['is-active --quiet fleetsync-gateway.service', 'stop fleetsync-gateway.service', 'daemon-reload', 'enable fleetsync-gateway.service', 'start fleetsync-gateway.service', 'show -p NRestarts --value fleetsync-gateway.service', 'is-active --quiet fleetsync-gateway.service', 'show -p NRestarts --value fleetsync-gateway.service']);
  });

  it('switches back to the running release when the new one does not start', () => {
    const r = run(join(makeRelease('1.2.0'), 'deploy/edge/install.sh'), [], { FAKE_FAIL_RELEASE: 'releases/1.2.0' });
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/upgrade to 1\.2\.0 failed and was rolled back/);
    expect(link('current')).toBe('releases/1.1.0');
    expect(link('previous')).toBe('releases/1.2.0');
    expect(r.calls.at(-1)).toBe('start fleetsync-gateway.service');
  });

  it('rolls back by hand to the previous release', () => {
    const r = run(join(root, 'opt/fleetsync/current/deploy/edge/rollback.sh'), []);
    expect(r.status, r.out).toBe(0);
    expect(link('current')).toBe('releases/1.2.0');
    expect(link('previous')).toBe('releases/1.1.0');
    const back = run(join(root, 'opt/fleetsync/current/deploy/edge/rollback.sh'), []);
    expect(back.status, back.out).toBe(0);
    expect(link('current')).toBe('releases/1.1.0');
  });

  it('refuses a configuration the new release cannot load, before switching', () => {
    const conf = join(root, 'etc/fleetsync/gateway.json');
    const good = readFileSync(conf, 'utf8');
    writeFileSync(conf, JSON.stringify({ ...JSON.parse(good), uplnk: {} }));
    try {
      const r = run(join(makeRelease('1.3.0'), 'deploy/edge/install.sh'), []);
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/\/uplnk: Unexpected property/);
      expect(r.out).toMatch(/nothing was switched/);
      expect(link('current')).toBe('releases/1.1.0');
      expect(r.calls).not.toContain('stop fleetsync-gateway.service');
    } finally {
      writeFileSync(conf, good);
    }
  });

  it('refuses a Node.js older than 20.19 with a message saying what to do', () => {
    const oldNode = join(work, 'node18');
    writeFileSync(oldNode, '#!/bin/sh\necho 18.20.4\n');
    chmodSync(oldNode, 0o755);
    const r = run(join(makeRelease('1.4.0'), 'deploy/edge/install.sh'), ['--node', oldNode]);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/Node\.js 18\.20\.4; Node\.js >= 20\.19\.0 is required/);
    expect(link('current')).toBe('releases/1.1.0');
  });
});

describe('gateway release scripts are valid shell', () => {
  it.each(['install.sh', 'rollback.sh', 'build-release.sh', 'lib.sh'])('%s parses (bash -n)', (name) => {
    const r = spawnSync('bash', ['-n', join(REPO, 'deploy/edge', name)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
