/**
 * Golden vectors of the batch wire format (test/golden/wire/*.json, regenerated only deliberately by
 * test/golden/wire/generate.ts). Decoding each gives exactly the recorded result; encoding each recorded input gives
 * exactly the recorded bytes. The second half pins brotli's output too, which could change with a zlib/brotli
 * upgrade in Node (docs/wire-format.md): then decoding still holds and the vectors are regenerated after review.
 */
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, WireError } from '../shared/wire/index.ts';
import { eventsOf, loadGoldens, toJson } from './golden/wire/golden-json.ts';

const goldens = loadGoldens();
const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('wire golden vectors', () => {
  it('has vectors for every lane, edge cases and rejects', () => {
    const files = goldens.map((g) => g.file);
    for (const f of ['telemetry.json', 'alerts.json', 'status.json', 'rejects.json', 'empty.json', 'minimal.json', 'foreign-uncompressed.json'])
      expect(files).toContain(f);
    expect(goldens.filter((g) => g.vector.error).length).toBeGreaterThanOrEqual(3);
  });

  describe.each(goldens)('$file', ({ vector }) => {
    it('decodes to exactly the recorded result', () => {
      if (vector.error) {
        let caught: unknown;
        try {
          decodeBatch(bytesOf(vector.hex));
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(WireError);
        expect((caught as WireError).code).toBe(vector.error.code);
        return;
      }
      const decoded = decodeBatch(bytesOf(vector.hex));
      expect(decoded.header).toStrictEqual(vector.decoded!.header);
      expect(toJson(decoded.events)).toStrictEqual(vector.decoded!.events);
      // Bytes come back as Uint8Array, exactly as recorded.
      expect(decoded.events).toStrictEqual(eventsOf(vector.decoded!.events));
    });

    it.runIf(vector.input !== undefined)('encodes the recorded input to exactly the recorded bytes', () => {
      const bytes = encodeBatch(vector.input!.header, eventsOf(vector.input!.events));
      expect(Buffer.from(bytes).toString('hex')).toBe(vector.hex);
    });
  });
});
