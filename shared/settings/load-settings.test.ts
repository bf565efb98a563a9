import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { validateSettings, loadSettingsFile, SettingsError } from './load-settings.ts';

const Schema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 1883 }),
    uplink: Type.Object({ window: Type.Integer({ minimum: 1, default: 4 }) }, { default: {}, additionalProperties: false }),
  },
  { additionalProperties: false },
);

describe('settings', () => {
  it('fills defaults, including nested objects', () => {
    expect(validateSettings(Schema, {})).toEqual({ port: 1883, uplink: { window: 4 } });
  });

  it('names the path of a wrong field', () => {
    const err = (() => {
      try {
        validateSettings(Schema, { uplink: { window: 0 } }, 'gw.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).issues[0]?.path).toBe('/uplink/window');
    expect((err as Error).message).toMatch(/^gw\.json: \/uplink\/window: /);
  });

  it('rejects an unknown (misspelt) field', () => {
    expect(() => validateSettings(Schema, { prot: 1 })).toThrow(/\/prot: Unexpected property/);
  });

  it('reports a file that is not valid JSON or YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-settings-'));
    try {
      writeFileSync(join(dir, 'a.json'), '{ nope');
      expect(() => loadSettingsFile(Schema, join(dir, 'a.json'))).toThrow(/a\.json: \/: not valid JSON/);
      writeFileSync(join(dir, 'b.yaml'), 'port: 99999\n');
      expect(() => loadSettingsFile(Schema, join(dir, 'b.yaml'))).toThrow(/\/port: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
