/** The Silver builder's worker thread: holds the Silver state and turns Bronze batches into SilverWrites. */
import { parentPort } from 'node:worker_threads';
import { stateFromSnapshot, type WorkerReply, type WorkerRequest } from './builder-host.ts';
import { emptySilverOutput, emptySilverState, expectedEvents, SilverBuilder, type SilverOptions, type SilverState, type SilverWrite } from './to-silver.ts';

let state: SilverState = emptySilverState();
let opts: SilverOptions = { maxFutureMs: 86_400_000 };

function transferables(w: SilverWrite): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of [w.readings, w.positions, w.alerts, w.statuses, w.rollups])
    for (const c of t.columns) {
      out.add(c.data.buffer as ArrayBuffer);
      if (c.nulls) out.add(c.nulls.buffer as ArrayBuffer);
    }
  return [...out];
}

parentPort!.on('message', (m: WorkerRequest) => {
  let reply: WorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    if (m.type === 'load') {
      state = stateFromSnapshot(m.snapshot);
      opts = m.opts;
      reply = { id: m.id, ok: true };
    } else {
      const b = new SilverBuilder(state, opts, emptySilverOutput(expectedEvents(m.batches)));
      for (const x of m.batches) b.add(x);
      const write = b.finish();
      transfer = transferables(write);
      reply = { id: m.id, ok: true, write };
    }
  } catch (err) {
    reply = { id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  parentPort!.postMessage(reply, transfer);
});
