import { describe, expect, it } from 'vitest';
import { buildC2DMessage, C2D_MAX_BYTES } from './c2d-mapping.ts';
import { C2DMessageError } from './errors.ts';

describe('cloud-to-device message', () => {
  it('carries the body bytes, the properties and a fresh message id', () => {
    const a = buildC2DMessage('{"cmd":"flush"}', { kind: 'command', 'seq-no': '12' });
    const b = buildC2DMessage(new Uint8Array([1, 2, 3]));
    expect(a.data.toString()).toBe('{"cmd":"flush"}');
    expect(a.properties).toEqual([['kind', 'command'], ['seq-no', '12']]);
    expect([...b.data]).toEqual([1, 2, 3]);
    expect(a.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.messageId).not.toBe(b.messageId);
  });

  it('refuses a body over 64 KB and property names or values IoT Hub would reject', () => {
    expect(() => buildC2DMessage(new Uint8Array(C2D_MAX_BYTES))).not.toThrow();
    expect(() => buildC2DMessage(new Uint8Array(C2D_MAX_BYTES + 1))).toThrow(C2DMessageError);
    expect(() => buildC2DMessage('x', { 'bad name': 'v' })).toThrow(/property name "bad name"/);
    expect(() => buildC2DMessage('x', { note: 'héllo' })).toThrow(/property "note"/);
    expect(buildC2DMessage('x', { empty: '' }).properties).toEqual([['empty', '']]);
  });
});
