import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('./fleetsync.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('fleetsync CLI', () => {
  it('lists every subcommand in --help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const sub of ['demo', 'cloud', 'hub', 'gateway', 'sim']) expect(r.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
  });

  it.each(['demo', 'cloud', 'hub', 'gateway', 'sim'])('has --help on %s', (sub) => {
    const r = run(sub, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: fleetsync ${sub}`);
  });

  it('answers a wrong flag with one line and exit code 2', () => {
    const r = run('demo', '--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--no-such-flag');
  });

  it('answers a missing file with one line and exit code 2, no stack trace', () => {
    const r = run('gateway', '--config', '/definitely/not/here.json');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('fleetsync: config file not found: /definitely/not/here.json');
  });

  it('rejects a malformed number with exit code 2', () => {
    const r = run('sim', '--trucks', 'many');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--trucks must be a positive integer');
  });
});
