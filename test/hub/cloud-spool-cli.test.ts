/** `fleetsync cloud spool status | requeue` on a real spool folder, run in-process through the CLI's main(). */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSegment } from '../../cloud/hub/spool/segment-codec.ts';
import { QUARANTINE_PREFIX, SPOOL_PREFIX, segmentKey } from '../../cloud/hub/spool/segment-key.ts';
import { LocalExportTarget } from '../../cloud/storage/local-target.ts';
import { removeTempDirs, tempDir } from './support.ts';
import { runInProcess as run } from './cli-process.ts';

afterAll(removeTempDirs);

const segment = (i: number) =>
  encodeSegment({
    writer: 'w',
    createdAt: i,
    records: [{ kind: 'telemetry', msg: { deviceId: 'gw-1', body: Uint8Array.of(i), system: { messageId: `m-${i}` }, properties: {}, enqueuedAt: i } }],
  });

describe('fleetsync cloud spool', () => {
  it('shows what waits and what is quarantined, and requeues only what can be read now', async () => {
    const data = await tempDir();
    const spool = new LocalExportTarget(join(data, 'spool'));
    const t = Date.now();
    const name = (i: number) => segmentKey(t - i * 1000, 'w', i).slice(SPOOL_PREFIX.length);
    await spool.putBytes(`${SPOOL_PREFIX}${name(60)}`, segment(1));
    await spool.putBytes(`${SPOOL_PREFIX}${name(5)}`, segment(2));
    const torn = segment(3).subarray(0, 12);
    await spool.putBytes(`${QUARANTINE_PREFIX}${name(3)}`, torn);
    // Quarantined by an older pipeline, readable by this one (as after upgrading the pipeline).
    await spool.putBytes(`${QUARANTINE_PREFIX}${name(4)}`, segment(4));

    const status = await run('cloud', 'spool', 'status', '--data', data);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/2 segment\(s\) pending, oldest (59|60|61) s old; 2 quarantined/);
    expect(status.stdout).toMatch(/checksum mismatch/);
    expect(status.stdout).toMatch(/readable now: requeue it/);

    const requeue = await run('cloud', 'spool', 'requeue', '--data', data);
    expect(requeue.status).toBe(1);
    expect(requeue.stdout).toMatch(/1 segment\(s\) back in the spool/);
    expect(requeue.stdout).toMatch(/kept spool-quarantine\/.*checksum mismatch/);
    expect(await spool.list(SPOOL_PREFIX)).toHaveLength(3);
    expect(await spool.list(QUARANTINE_PREFIX)).toEqual([`${QUARANTINE_PREFIX}${name(3)}`]);

    const unknown = await run('cloud', 'spool', 'requeue', 'no-such-segment.seg', '--data', data);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/not in the quarantine: spool-quarantine\/no-such-segment\.seg/);

    const forced = await run('cloud', 'spool', 'requeue', name(3), '--force', '--data', data);
    expect(forced.status).toBe(0);
    expect(await spool.list(QUARANTINE_PREFIX)).toEqual([]);
    expect(Buffer.from((await spool.get(`${SPOOL_PREFIX}${name(3)}`))!).equals(Buffer.from(torn))).toBe(true);
  });
});
