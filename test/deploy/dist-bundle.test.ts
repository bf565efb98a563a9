/**
 * The bundle `npm run build` makes (deploy/build-dist.mjs): the CLI runs from it only while it is newer than every
 * source file, and a gateway started from it works (default rules found beside the package, a reading journaled and
 * acknowledged), in a copy of the package so that the checkout's own dist/ is never touched.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { buildDist } from '../../deploy/build-dist.mjs';

const REPO = resolve(import.meta.dirname, '../..');
let pkg: string;

const codeSource = (): string => {
  const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(pathToFileURL(join(pkg, 'cli/load-main.js')).href)}).then((m) => process.stdout.write(m.codeSource()))`], { encoding: 'utf8' });
  return r.stdout;
};

beforeAll(async () => {
  pkg = mkdtempSync(join(tmpdir(), 'fleetsync-dist-'));
  for (const part of ['cli', 'edge', 'shared', 'cloud', 'firmware-sim']) {
    cpSync(join(REPO, part), join(pkg, part), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
  }
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(REPO, 'package.json')));
  symlinkSync(join(REPO, 'node_modules'), join(pkg, 'node_modules'));
  // The sources were just copied; give them an older time so the bundle built from them counts as newer.
  const old = new Date(Date.now() - 60_000);
  spawnSync('find', [pkg, '-name', '*.ts', '-not', '-path', '*/node_modules/*', '-exec', 'touch', '-d', '@' + Math.floor(old.getTime() / 1000), '{}', '+']);
  await buildDist({ outdir: join(pkg, 'dist') });
}, 60_000);
afterAll(() => rmSync(pkg, { recursive: true, force: true }));

describe('the built bundle (dist/)', () => {
  it('is what the CLI runs while it is newer than the sources, and is ignored once a source file changes', () => {
    expect(codeSource()).toBe('dist');
    const r = spawnSync(process.execPath, [join(pkg, 'cli/fleetsync.js'), '--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    const now = new Date();
    utimesSync(join(pkg, 'edge/ingest.ts'), now, new Date(now.getTime() + 5000));
    expect(codeSource()).toBe('source');
    const older = new Date(now.getTime() - 120_000);
    utimesSync(join(pkg, 'edge/ingest.ts'), older, older);
    expect(codeSource()).toBe('dist');
  });

  it('runs a gateway that loads its default rules and acknowledges a reading only once it is stored', async () => {
    const dir = join(pkg, 'gw');
    const config = join(pkg, 'gateway.json');
    writeFileSync(
      config,
      JSON.stringify({ gatewayId: 'gw-dist', vehicle: 'truck-d', dataDir: dir, broker: { host: '127.0.0.1', port: 0, allowAnonymous: true }, http: { host: '127.0.0.1', port: 0 } }),
    );
    const proc = spawn(process.execPath, [join(pkg, 'cli/fleetsync.js'), 'gateway', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines: string[] = [];
      const ports = await new Promise<{ mqtt: number; http: number }>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`gateway did not start: ${lines.join('\n')}`)), 30_000);
        proc.once('exit', (code) => rej(new Error(`gateway exited ${code}: ${lines.join('\n')}`)));
        createInterface({ input: proc.stdout! }).on('line', (line) => {
          lines.push(line);
          if (!line.includes('"gateway started"')) return;
          clearTimeout(timer);
          res((JSON.parse(line) as { ports: { mqtt: number; http: number } }).ports);
        });
      });
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { clientId: 'dist-sensor', reconnectPeriod: 0 });
      // A red-lamp trouble code raises the default rule set's dtc_active at once: the rules file was found.
      const reading = { v: 2, signal: 'dm1', value: '110:0:red', unit: '', sensorTime: Date.now(), quality: 'good' };
      await c.publishAsync('fleet/truck-d/ecu1/reading', JSON.stringify(reading), { qos: 1 }); // resolves on PUBACK
      await c.endAsync();
      const metrics = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
      expect(metrics).toMatch(/fleetsync_gateway_ingested_total\{[^}]*lane="telemetry"[^}]*\} 1/);
      expect(metrics).toMatch(/fleetsync_gateway_alerts_total\{[^}]*state="raised"[^}]*\} 1/);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  });
});
