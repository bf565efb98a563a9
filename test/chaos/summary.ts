/**
 * Global setup of the chaos suite: at the start it notes the time; at the end (teardown) it gathers the figures every
 * test wrote to test/artifacts/ during this run, prints them as a table and writes test/artifacts/chaos-summary.json.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts', import.meta.url));

export default function setup(): () => void {
  const startedAt = new Date().toISOString();
  return () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const results = readdirSync(ARTIFACTS)
      .filter((f) => f.endsWith('.json') && f !== 'chaos-summary.json')
      .map((f) => JSON.parse(readFileSync(join(ARTIFACTS, f), 'utf8')) as Record<string, unknown> & { name: string; at: string })
      .filter((r) => r.at >= startedAt)
      .sort((a, b) => a.name.localeCompare(b.name));
    writeFileSync(join(ARTIFACTS, 'chaos-summary.json'), `${JSON.stringify({ startedAt, finishedAt: new Date().toISOString(), results }, null, 2)}\n`);
    const lines = ['', 'chaos summary (figures per test; details in test/artifacts/*.json)', ''];
    for (const r of results) {
      const { name, at: _at, machine: _m, ...figures } = r;
      lines.push(`  ${name}`);
      for (const [k, v] of Object.entries(figures)) lines.push(`    ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  };
}
