// Worker threads do not inherit the tsx loader: register it, then load the TypeScript entry (as cli/fleetsync.js).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
