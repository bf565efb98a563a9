/**
 * Regenerates the wire golden vectors. Run deliberately, only when the format changes on purpose (and bump the
 * format version when old bytes would no longer decode): `node --import tsx test/golden/wire/generate.ts`.
 * Review the diff: a changed hex for an unchanged input means encoding changed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { brotliCompressSync, constants } from 'node:zlib';
import type { StampedEvent } from '../../../shared/contracts/types.ts';
import { decodeBatch, encodeBatch, type BatchHeaderInput, type WireError } from '../../../shared/wire/index.ts';
import { craft, reseal } from '../../../shared/wire/test-craft.ts';
import { alertEvents, rejectEvents, sampleHeader, statusEvents, telemetryEvents, T0 } from '../../../shared/wire/test-events.ts';
import { GOLDEN_DIR, toJson, type GoldenVector } from './golden-json.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function encoded(description: string, header: BatchHeaderInput, events: StampedEvent[]): GoldenVector {
  const bytes = encodeBatch(header, events);
  const decoded = decodeBatch(bytes);
  return {
    description,
    input: { header, events: toJson(events) },
    hex: hex(bytes),
    decoded: { header: decoded.header, events: toJson(decoded.events) },
  };
}

function decodedOnly(description: string, bytes: Uint8Array): GoldenVector {
  try {
    const decoded = decodeBatch(bytes);
    return { description, hex: hex(bytes), decoded: { header: decoded.header, events: toJson(decoded.events) } };
  } catch (error) {
    return { description, hex: hex(bytes), error: { code: (error as WireError).code } };
  }
}

const telemetry = encodeBatch(sampleHeader(), telemetryEvents());
const flipped = Uint8Array.from(telemetry);
flipped[telemetry.length - 12]! ^= 0x04;
// The header (5..7, 3 events) is consistent; the middle event breaks the increasing order.
const unordered = new Packr({ useRecords: true }).pack([
  { seq: 5, rt: T0, kind: 'reading', body: { v: 1 } },
  { seq: 9, rt: T0, kind: 'reading', body: { v: 1 } },
  { seq: 7, rt: T0, kind: 'reading', body: { v: 1 } },
]);
const bombPayload = brotliCompressSync(new Uint8Array(4 * 1024 * 1024), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
const bombTemplate = craft({ raw: Uint8Array.of(0x90), compression: 'none', header: { count: 0, firstSeq: 0, lastSeq: 0 } });
const bomb = new Uint8Array(bombTemplate.length - 1 + bombPayload.length);
bomb.set(bombTemplate.subarray(0, bombTemplate.length - 5));
bomb.set(bombPayload, bombTemplate.length - 5);
bomb[5] = 1; // brotli
new DataView(bomb.buffer).setUint32(36, 1024); // declared raw length
new DataView(bomb.buffer).setUint32(40, bombPayload.length);

const vectors: Record<string, GoldenVector> = {
  'telemetry.json': encoded('Telemetry lane: v2 J1939 readings, v1 and v2 positions, v1 reefer readings, a seq gap (4-6 evicted)', sampleHeader(), telemetryEvents()),
  'alerts.json': encoded('Alerts lane: raise, clear and a storm summary (AlertV2)', sampleHeader('alerts'), alertEvents()),
  'status.json': encoded('Status lane: GatewayStatusV2 with nested lane records and nulls', sampleHeader('status'), statusEvents()),
  'rejects.json': encoded('Rejects lane: raw bytes kept as binary, including an empty one', sampleHeader('rejects'), rejectEvents()),
  'empty.json': encoded('Empty batch: count 0, firstSeq = lastSeq = 0', sampleHeader('telemetry'), []),
  'minimal.json': encoded(
    'Smallest ids, seq 0, an empty body, createdAt 0',
    { gatewayId: 'g', epoch: 'e', lane: 'status', createdAt: 0 },
    [{ seq: 0, rt: 0, kind: 'reading', body: {} as never }],
  ),
  'foreign-uncompressed.json': decodedOnly(
    'Another producer: compression none, standard MessagePack maps instead of records',
    craft({
      raw: new Packr({ useRecords: false }).pack([{ seq: 3, rt: T0, kind: 'position', body: { v: 1, vehicle: 'TRK-7', sensor: 'gps', lat: 50.5, lon: 4.25, ts: T0 - 30 } }]),
      compression: 'none',
      header: { firstSeq: 3, lastSeq: 3 },
    }),
  ),
  'reject-checksum.json': decodedOnly('Reject: one payload bit flipped in transit', flipped),
  'reject-truncated.json': decodedOnly('Reject: message cut 100 bytes short', telemetry.subarray(0, telemetry.length - 100)),
  'reject-types.json': decodedOnly('Reject: valid checksum and header, seqs 5, 9, 7 out of order', craft({ raw: unordered, header: { count: 3, firstSeq: 5, lastSeq: 7 } })),
  'reject-bomb.json': decodedOnly('Reject: 4 MiB of zeros declared as 1 KiB', reseal(bomb)),
};

for (const [file, vector] of Object.entries(vectors)) {
  writeFileSync(join(GOLDEN_DIR, file), `${JSON.stringify(vector, null, 2)}\n`);
  process.stdout.write(`wrote ${file} (${vector.hex.length / 2} bytes${vector.error ? `, rejects with ${vector.error.code}` : ''})\n`);
}
