import { describe, expect, it } from 'vitest';
import { TwinPatchError } from './errors.ts';
import { buildDesiredPatch, toTwin } from './twin-mapping.ts';

function patchError(patch: Record<string, unknown>): TwinPatchError {
  try {
    buildDesiredPatch(patch);
  } catch (err) {
    expect(err).toBeInstanceOf(TwinPatchError);
    return err as TwinPatchError;
  }
  throw new Error('expected a TwinPatchError');
}

describe('twin mapping', () => {
  it('wraps a desired patch for the twin PATCH, keeping null as delete', () => {
    const patch = { uplink: { paused: true, batchTargetBytes: 32768 }, rulesVersion: null };
    expect(buildDesiredPatch(patch)).toEqual({ properties: { desired: patch } });
  });

  it('drops top-level $version and $metadata, so a twin read back can be patched as is', () => {
    expect(buildDesiredPatch({ a: 1, $version: 4, $metadata: { $lastUpdated: 'x' } })).toEqual({ properties: { desired: { a: 1 } } });
  });

  it('copies the patch, so later changes by the caller do not leak into the request', () => {
    const patch = { a: { b: 1 } };
    const body = buildDesiredPatch(patch);
    patch.a.b = 2;
    expect(body.properties.desired).toEqual({ a: { b: 1 } });
  });

  it("refuses keys IoT Hub does not allow ('.', '$', space, control), naming the path", () => {
    expect(patchError({ uplink: { 'batch.size': 1 } }).path).toBe('/uplink/batch.size');
    expect(patchError({ a: { $ref: 3 } }).path).toBe('/a/$ref');
    expect(patchError({ 'a b': 1 }).path).toBe('/a b');
    expect(patchError({ ['x\u0001']: 1 }).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses nesting deeper than 10, long strings and oversized patches', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i++) deep = { n: deep };
    expect(patchError(deep).message).toMatch(/deeper than 10/);
    let ok: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 9; i++) ok = { n: ok };
    expect(() => buildDesiredPatch(ok)).not.toThrow();
    expect(patchError({ s: 'x'.repeat(4097) }).path).toBe('/s');
    const big: Record<string, string> = {};
    for (let i = 0; i < 10; i++) big[`k${i}`] = 'y'.repeat(4000);
    expect(patchError(big).message).toMatch(/exceeds the 32768-byte desired section/);
    expect(patchError({ n: Number.NaN }).path).toBe('/n');
  });

  it('maps the registry twin document, dropping $metadata and keeping $version', () => {
    const doc = {
      deviceId: 'gw-truck-7',
      etag: 'AAAAAAAAAAE=',
      connectionState: 'Connected',
      properties: {
        desired: { uplink: { paused: false }, $metadata: { $lastUpdated: '2026-01-01T00:00:00Z' }, $version: 4 },
        reported: { firmware: '1.2.0', $metadata: {}, $version: 9 },
      },
    };
    expect(toTwin(doc, 'ignored')).toEqual({
      deviceId: 'gw-truck-7',
      desired: { uplink: { paused: false }, $version: 4 },
      reported: { firmware: '1.2.0', $version: 9 },
    });
  });

  it('fills a missing section or version with an empty version 0 section', () => {
    expect(toTwin({ properties: { desired: { a: 1 } } }, 'gw-1')).toEqual({ deviceId: 'gw-1', desired: { a: 1, $version: 0 }, reported: { $version: 0 } });
  });
});
