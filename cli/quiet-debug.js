// mqtt-packet parses and writes every MQTT packet with several `debug(...)` calls. The `debug` package's disabled
// function still gathers its arguments into an array on every call: about 1.3 KB of garbage per message at 20k
// msgs/s in the gateway, a tenth of all it allocates. When DEBUG is unset, libraries get a function that ignores
// its arguments instead. Must run before mqtt-packet (aedes, MQTT.js) is loaded; DEBUG set at start works as usual.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function quietDebug(env = process.env) {
  if (env.DEBUG) return false;
  let path;
  try {
    path = require.resolve('debug');
  } catch {
    return false;
  }
  const createDebug = require(path);
  const entry = require.cache[path];
  if (!entry || createDebug.fleetsyncQuiet) return false;
  const quiet = (namespace) => {
    const d = createDebug(namespace);
    if (d.enabled) return d;
    const off = () => {};
    off.enabled = false;
    off.namespace = namespace;
    off.log = d.log;
    off.extend = (sub, delimiter = ':') => quiet(`${namespace}${delimiter}${sub}`);
    off.destroy = () => {};
    return off;
  };
  Object.assign(quiet, createDebug, { fleetsyncQuiet: true });
  quiet.default = quiet;
  entry.exports = quiet;
  return true;
}
