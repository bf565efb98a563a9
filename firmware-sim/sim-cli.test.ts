/** `fleetsync sim` end to end: a real process against a real broker, writing a ground truth that matches it. */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { readGroundTruth } from './ground-truth.ts';

const bin = fileURLToPath(new URL('../cli/fleetsync.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fs-simcli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fleetsync sim', () => {
  it('runs a fleet against a broker and writes a ground truth that matches what the broker got', async () => {
    const aedes = await Aedes.createBroker();
    const server = createServer((s) => aedes.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let received = 0;
    aedes.on('publish', (packet, client) => {
      if (client && packet.topic.startsWith('fleet/')) received++;
    });
    try {
      const out = join(dir, 'gt.json');
      const port = (server.address() as AddressInfo).port;
      const r = await run(['sim', '--trucks', '2', '--seed', '3', '--speedup', '600', '--duration', '2', '--broker', `mqtt://127.0.0.1:${port}`, '--scenario', 'power-cut', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('scenario power-cut: TRK-');
      const gt = readGroundTruth(out);
      expect(Object.keys(gt.trucks)).toEqual(['TRK-0001', 'TRK-0002']);
      expect(gt.endMs - gt.startMs).toBe(120_000);
      const sent = gt.telemetry.publishes + gt.rejects.publishes;
      for (let i = 0; i < 100 && received < sent; i++) await new Promise((res) => setTimeout(res, 20));
      expect(received).toBe(sent);
      expect(gt.telemetry.acked.publishes).toBe(gt.telemetry.publishes - gt.telemetry.qos0.publishes);
    } finally {
      server.close();
      await new Promise<void>((r) => aedes.close(() => r()));
    }
  });

  it('answers a missing broker or an unknown scenario with a one-line usage error', async () => {
    const a = await run(['sim', '--trucks', '1']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^fleetsync: required option '--broker <url>' not specified/);
    const b = await run(['sim', '--broker', 'mqtt://127.0.0.1:1', '--scenario', 'no-such-thing']);
    expect(b.code).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toContain('no-such-thing');
  });
});
