/** The gateway's systemd unit starts Node with flags this Node accepts (NODE_OPTIONS refuses most V8 flags). */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const unit = readFileSync(resolve(import.meta.dirname, '../../deploy/edge/fleetsync-gateway.service'), 'utf8');

describe('deploy/edge/fleetsync-gateway.service', () => {
  it("starts the gateway through the release's node with V8 flags on the command line and in NODE_OPTIONS that Node takes", () => {
    const exec = /^ExecStart=(\S+)((?:\s+--\S+)*)\s+(\S+)\s+gateway\s/m.exec(unit);
    const env = /^Environment="NODE_OPTIONS=([^"]*)"/m.exec(unit);
    expect(exec?.[1]).toBe('/opt/fleetsync/current/bin/node');
    expect(exec?.[3]).toBe('/opt/fleetsync/current/cli/fleetsync.js');
    const flags = exec![2]!.split(/\s+/).filter(Boolean);
    expect(flags).toContain('--no-allocation-site-pretenuring');
    const r = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("up")'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: env![1]! } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('up');
  });
});
