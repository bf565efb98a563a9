/**
 * Child process for the crash test: appends to the journal in `argv[2]` from many concurrent appenders and prints
 * "<lane> <seq>" for every append once it has resolved (i.e. once it could have been acknowledged). Runs until killed.
 */
import { Journal } from './journal.ts';
import { itemFor } from './test-items.ts';
import type { Lane } from '../../shared/contracts/types.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: kill-test-appender.ts <dir>');
const journal = await Journal.open({ dir });
let lines: string[] = [];
let flushScheduled = false;
const print = (line: string): void => {
  lines.push(line);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const out = lines.join('');
    lines = [];
    process.stdout.write(out);
  });
};

let n = 0;
async function appender(lane: Lane): Promise<void> {
  for (;;) {
    const seq = await journal.append(lane, itemFor(lane, n++));
    print(`${lane} ${seq}\n`);
  }
}
for (let i = 0; i < 24; i++) void appender('telemetry');
for (let i = 0; i < 8; i++) void appender('alerts');
