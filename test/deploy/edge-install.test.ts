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

/** A release that reads journal formats up to `format` (it knows the FORMAT marker: 2 and up). */
function makeReleaseReading(version: string, format: number): string {
  const dir = makeReleaseIn(version);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { fleetsync: Record<string, unknown> };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, fleetsync: { ...pkg.fleetsync, journalFormat: format } }, null, 2));
  return dir;
}

/** A release from before the journal format was declared: its package.json has no fleetsync.journalFormat. */
function makeFormat1Release(version: string): string {
  const dir = makeReleaseIn(version);
  const { fleetsync: _, ...pkg } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
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

/** Installs `version`, which does not stay up; the script must fail and have switched back to `back`. */
function failedUpgrade(version: string, back: string): Run {
  const r = run(join(makeRelease(version), 'deploy/edge/install.sh'), [], { FAKE_FAIL_RELEASE: `releases/${version}` });
  expect(r.status).not.toBe(0);
  expect(r.out).toContain(`upgrade to ${version} failed and was rolled back`);
  expect(link('current')).toBe(`releases/${back}`);
  return r;
}
const rollback = (args: string[] = []): Run => run(join(root, 'opt/fleetsync/current/deploy/edge/rollback.sh'), args);
/** What a format-2 gateway writes when it opens the journal (the fake systemctl runs no gateway). */
const markJournal = (text: string): void => writeFileSync(join(root, 'var/lib/fleetsync/journal/FORMAT'), text);
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
    const r = failedUpgrade('1.2.0', '1.1.0');
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

  let format1Src = '';
  it('rollback.sh refuses to go back to a release that cannot read the journal, switches nothing, and goes with --force', () => {
    format1Src = makeFormat1Release('0.9.0');
    expect(run(join(format1Src, 'deploy/edge/install.sh'), []).status).toBe(0);
    const up = run(join(makeRelease('1.5.0'), 'deploy/edge/install.sh'), []);
    expect(up.status, up.out).toBe(0);
    markJournal('2\n');

    const r = rollback();
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/var\/lib\/fleetsync\/journal is in journal format 2 \(written by releases\/1\.5\.0\) and releases\/0\.9\.0 reads formats up to 1/);
    expect(r.out).toMatch(/nothing was switched/);
    expect(r.out).toMatch(/flush direct method/);
    expect(r.out).toMatch(/fleetsync_gateway_journal_events/);
    expect(r.out).toMatch(/rollback\.sh --force/);
    expect(link('current')).toBe('releases/1.5.0');
    expect(link('previous')).toBe('releases/0.9.0');
    expect(r.calls).toEqual([]);

    const forced = rollback(['--force']);
    expect(forced.status, forced.out).toBe(0);
    expect(forced.out).toMatch(/warning \(--force\): .*journal format 2/);
    expect(link('current')).toBe('releases/0.9.0');
    expect(link('previous')).toBe('releases/1.5.0');
  });

  it('rollback.sh goes back without --force to a release that reads the journal format', () => {
    const r = rollback();
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toMatch(/warning/);
    expect(link('current')).toBe('releases/1.5.0');
    expect(link('previous')).toBe('releases/0.9.0');
  });

  it("install.sh's automatic rollback does not warn when the release it goes back to reads the journal", () => {
    const r = failedUpgrade('1.6.0', '1.5.0');
    expect(r.out).not.toMatch(/journal format/);
  });

  it("install.sh's automatic rollback still switches back to a release that cannot read the journal, with a warning", () => {
    const back = run(join(format1Src, 'deploy/edge/install.sh'), ['--reinstall']);
    expect(back.status, back.out).toBe(0);
    expect(link('current')).toBe('releases/0.9.0');
    markJournal('2\n');

    const r = failedUpgrade('1.7.0', '0.9.0');
    expect(link('previous')).toBe('releases/1.7.0');
    expect(r.calls.at(-1)).toBe('start fleetsync-gateway.service');
    expect(r.out).toMatch(/warning: .*journal is in journal format 2 and releases\/0\.9\.0 reads formats up to 1/);
    expect(r.out).toMatch(/uplink stops at the first event it cannot read/);
    expect(r.out).toMatch(/install it again: it reads the whole journal/);
  });

  it('rollback.sh refuses a release that knows the marker but not the format, saying it would not start', () => {
    expect(run(join(makeReleaseReading('2.0.0', 2), 'deploy/edge/install.sh'), []).status).toBe(0);
    const up = run(join(makeRelease('3.0.0'), 'deploy/edge/install.sh'), []);
    expect(up.status, up.out).toBe(0);
    markJournal('3\n');

    const r = rollback();
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/journal format 3 \(written by releases\/3\.0\.0\) and releases\/2\.0\.0 reads formats up to 2/);
    expect(r.out).toMatch(/refuse to open the journal and not start/);
    expect(r.out).toMatch(/nothing was switched/);
    expect(link('current')).toBe('releases/3.0.0');
  });

  it("install.sh's automatic rollback does not switch back to a release that would not start beside the journal", () => {
    const forced = rollback(['--force']);
    expect(forced.status, forced.out).toBe(0);
    expect(link('current')).toBe('releases/2.0.0');
    markJournal('3\n');

    const r = run(join(makeRelease('3.1.0'), 'deploy/edge/install.sh'), [], { FAKE_FAIL_RELEASE: 'releases/3.1.0' });
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/release 3\.1\.0 did not stay up, and not switching back/);
    expect(r.out).toMatch(/releases\/2\.0\.0 reads formats up to 2: it would refuse to open the journal and not start/);
    expect(link('current')).toBe('releases/3.1.0');
  });
});

describe('gateway release scripts are valid shell', () => {
  it.each(['install.sh', 'rollback.sh', 'build-release.sh', 'lib.sh'])('%s parses (bash -n)', (name) => {
    const r = spawnSync('bash', ['-n', join(REPO, 'deploy/edge', name)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
