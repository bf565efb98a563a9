import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lane } from '../../shared/contracts/types.ts';
import { Journal } from './journal.ts';
import { itemFor } from './test-items.ts';

const child = fileURLToPath(new URL('./kill-test-appender.ts', import.meta.url));
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Runs the appender until it has printed `minAcked` acked seqs, then kills it with SIGKILL. */
function runUntilKilled(dir: string, minAcked: number): Promise<Map<Lane, number[]>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<Lane, number[]>();
    let count = 0;
    let rest = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`appender printed only ${count} acks in time; stderr: ${stderr}`));
    }, 20_000);
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const [lane, seq] = line.split(' ') as [Lane, string];
        acked.set(lane, [...(acked.get(lane) ?? []), Number(seq)]);
        count += 1;
      }
      if (count >= minAcked && !killed) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(acked);
      else reject(new Error(`appender exited on its own (${signal ?? _code}); stderr: ${stderr}`));
    });
  });
}

async function storedSeqs(j: Journal, lane: Lane): Promise<number[]> {
  const c = j.cursor(lane);
  const out: number[] = [];
  for (;;) {
    const chunk = await c.next({ maxEvents: 5000, decode: false });
    if (chunk.seqs.length === 0) return out;
    out.push(...chunk.seqs);
  }
}

describe('journal crash safety (real process, SIGKILL)', () => {
  it('keeps every acknowledged append and continues seqs without gaps or reuse across kill -9', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetsync-journal-crash-'));
    dirs.push(dir);
    const prevMax = new Map<Lane, number>([['telemetry', 0], ['alerts', 0]]);
    for (let round = 0; round < 2; round++) {
      const acked = await runUntilKilled(dir, 3000);
      const j = await Journal.open({ dir });
      try {
        for (const lane of ['telemetry', 'alerts'] as const) {
          const stored = await storedSeqs(j, lane);
          const max = stored.at(-1) ?? 0;
          // Contiguous from 1: nothing skipped, nothing lost (nothing was acked to the journal in this test).
          expect(stored.length).toBe(max);
          expect(stored[0]).toBe(1);
          const printed = acked.get(lane) ?? [];
          expect(printed.length).toBeGreaterThan(0);
          // Every printed seq is new in this round (no reuse) and stored.
          expect(Math.min(...printed)).toBeGreaterThan(prevMax.get(lane)!);
          expect(Math.max(...printed)).toBeLessThanOrEqual(max);
          expect(new Set(printed).size).toBe(printed.length);
          expect(j.laneStatus(lane).nextSeq).toBe(max + 1);
          prevMax.set(lane, max);
        }
      } finally {
        await j.close();
      }
    }
    const j = await Journal.open({ dir });
    try {
      expect(await j.append('alerts', itemFor('alerts', 0))).toBe(prevMax.get('alerts')! + 1);
      expect(j.bootCounter).toBe(5);
    } finally {
      await j.close();
    }
  });
});
