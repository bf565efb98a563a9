/**
 * Broken settings files for `fleetsync gateway --config` and `fleetsync cloud --config`: wrong types, unknown fields,
 * out-of-range values, invalid YAML and JSON, empty and binary files, missing files and folders. Each run exits with
 * code 2 and one line on stderr that names the file and the path of the wrong field; nothing is started.
 * Most cases run the CLI in this process (fast); two run the real program to check the exit code end to end.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from '../hub/support.ts';
import { runInProcess as inProcess } from '../hub/cli-process.ts';
import { CLI, REPO } from './support.ts';

afterAll(removeTempDirs);

const gatewayBase = { gatewayId: 'gw-1', vehicle: 'truck-1', dataDir: '/nonexistent/never-created' };
const json = (o: unknown): string => JSON.stringify(o);

/** [case, file name, content, what the one line must contain]. */
const GATEWAY: [string, string, string | Buffer, RegExp][] = [
  ['a port that is a string', 'gw.json', json({ ...gatewayBase, broker: { port: 'eighty' } }), /\/broker\/port: Expected integer/],
  ['a port out of range', 'gw.yaml', 'gatewayId: gw-1\nvehicle: truck-1\ndataDir: /x\nhttp:\n  port: 70000\n', /\/http\/port: Expected integer to be less or equal to 65535/],
  ['an unknown top-level field', 'gw.json', json({ ...gatewayBase, brokr: {} }), /\/brokr/],
  ['an unknown nested field', 'gw.json', json({ ...gatewayBase, uplink: { inflght: 4 } }), /\/uplink\/inflght/],
  ['a missing required field', 'gw.json', json({ vehicle: 'truck-1', dataDir: '/x' }), /\/gatewayId/],
  ['an id with a path in it', 'gw.json', json({ ...gatewayBase, gatewayId: '../../etc/passwd' }), /\/gatewayId/],
  ['a sensor password in clear text', 'gw.json', json({ ...gatewayBase, sensors: [{ id: 's1', username: 's1', passwordHash: 'hunter2' }] }), /\/sensors\/0\/passwordHash/],
  ['invalid JSON', 'gw.json', '{"gatewayId": "gw-1",', /\/: not valid JSON/],
  ['invalid YAML', 'gw.yaml', 'gatewayId: [gw-1\nvehicle: : :\n', /\/: not valid YAML/],
  ['an empty YAML file', 'gw.yaml', '', /\/gatewayId/],
  ['binary garbage', 'gw.json', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]), /\/: not valid JSON/],
  ['a YAML list instead of a mapping', 'gw.yaml', '- a\n- b\n', /\/: Expected object/],
];

const CLOUD: [string, string, string, RegExp][] = [
  ['a hub port that is a string', 'cloud.json', json({ hub: { port: 'x' } }), /\/hub\/port: Expected integer/],
  ['a negative pipeline setting', 'cloud.yaml', 'pipeline:\n  silver:\n    maxFutureS: -1\n', /\/pipeline\/silver\/maxFutureS/],
  ['an unknown hub field', 'cloud.json', json({ hub: { maxMesageBytes: 1 } }), /\/hub\/maxMesageBytes/],
  ['an unknown mode', 'cloud.json', json({ mode: 'cloudy' }), /\/mode/],
  ['a bad log level', 'cloud.yaml', 'log:\n  level: loud\n', /\/log\/level/],
  ['invalid YAML', 'cloud.yaml', 'hub: {port: 1\n', /\/: not valid YAML/],
  ['invalid JSON', 'cloud.json', '{hub:', /\/: not valid JSON/],
];

async function check(cmd: 'gateway' | 'cloud', file: string, pattern: RegExp): Promise<void> {
  const r = await inProcess(cmd, '--config', file);
  expect(r.status).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^fleetsync: /);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout).toBe('');
}

describe('broken settings files', () => {
  it.each(GATEWAY)('fleetsync gateway --config: %s', async (_what, name, content, pattern) => {
    const dir = await tempDir('fleetsync-cfg-');
    const file = join(dir, name);
    await writeFile(file, content);
    await check('gateway', file, pattern);
  });

  it.each(CLOUD)('fleetsync cloud --config: %s', async (_what, name, content, pattern) => {
    const dir = await tempDir('fleetsync-cfg-');
    const file = join(dir, name);
    await writeFile(file, content);
    await check('cloud', file, pattern);
  });

  it.each(['gateway', 'cloud'] as const)('fleetsync %s --config: a missing file and a folder are one line naming the path', async (cmd) => {
    const dir = await tempDir('fleetsync-cfg-');
    await mkdir(join(dir, 'a-folder.yaml'));
    for (const file of [join(dir, 'missing.yaml'), join(dir, 'a-folder.yaml')]) {
      const r = await inProcess(cmd, '--config', file);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`fleetsync: config file not found: ${file}\n`);
    }
  });

  it('exits with code 2 and one line from the real program too (gateway and cloud)', async () => {
    const dir = await tempDir('fleetsync-cfg-');
    const gw = join(dir, 'gw.json');
    await writeFile(gw, json({ ...gatewayBase, journal: { capBytes: 'lots' } }));
    const cloud = join(dir, 'cloud.yaml');
    await writeFile(cloud, 'hub:\n  c2d:\n    ttlS: 0\n');
    for (const [args, pattern] of [
      [['gateway', '--config', gw], /\/journal\/capBytes/],
      [['cloud', '--config', cloud, '--data', join(dir, 'data')], /\/hub\/c2d\/ttlS/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
    }
  });
});
