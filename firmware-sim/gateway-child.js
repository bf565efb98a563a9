#!/usr/bin/env node
// `fleetsync gateway --config <file>` as the child of a simulation. The parent holds an IPC channel open: when the
// parent dies (even by SIGKILL) the channel closes and the gateway stops, so no simulated truck outlives its fleet.
import { loadMain } from '../cli/load-main.js';

const config = process.argv[2];
if (!config) {
  process.stderr.write('usage: gateway-child.js <config file>\n');
  process.exit(2);
}
if (process.channel) {
  // The channel must not keep the gateway alive by itself; it only tells us when the parent is gone.
  process.channel.unref();
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
    // A gateway that cannot close within this time is ended the hard way (a power cut, which it survives).
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
const { main } = await loadMain();
process.exitCode = await main(['gateway', '--config', config]);
