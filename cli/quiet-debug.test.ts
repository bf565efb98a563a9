/** Run in fresh node processes: the replacement only works before any library has loaded `debug`. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const QUIET = fileURLToPath(new URL('./quiet-debug.js', import.meta.url));
const script = `
  import { createRequire } from 'node:module';
  import { quietDebug } from ${JSON.stringify(QUIET)};
  const replaced = quietDebug();
  const require = createRequire(${JSON.stringify(QUIET)});
  const d = require('debug')('fleetsync:test');
  const mqtt = require('mqtt-packet');
  const parser = mqtt.parser();
  let topic = null;
  parser.on('packet', (p) => (topic = p.topic));
  parser.parse(mqtt.generate({ cmd: 'publish', topic: 'fleet/t/s/reading', payload: 'x', qos: 1, messageId: 7 }));
  d('called with %s', 'arguments');
  console.log(JSON.stringify({ replaced, enabled: d.enabled, takesArgs: d.length, topic, extended: d.extend('sub').namespace }));
`;
const run = (env: NodeJS.ProcessEnv) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  expect(r.stderr).not.toMatch(/Error/);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
};

describe('quietDebug', () => {
  it('gives libraries argument-free no-op loggers when DEBUG is unset; mqtt-packet still parses', () => {
    expect(run({ DEBUG: '' })).toEqual({ replaced: true, enabled: false, takesArgs: 0, topic: 'fleet/t/s/reading', extended: 'fleetsync:test:sub' });
  });

  it('leaves debug alone when DEBUG is set, so debugging works as documented', () => {
    const out = run({ DEBUG: 'fleetsync:*' });
    expect(out).toMatchObject({ replaced: false, enabled: true, topic: 'fleet/t/s/reading' });
  });
});
