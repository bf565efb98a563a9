/**
 * mqtt-packet writes every 16-bit number (packet ids, topic lengths) from a cache of 65,536 two-byte Buffers that it
 * builds on its first write. In a heap snapshot of the gateway at 20k msgs/s they were 6.3 MB of 28.8 MB live, and a
 * process holds one such cache per mqtt-packet copy that has written (aedes's, and the one under the Azure SDK's
 * MQTT.js). Old and never freed, they make every full GC mark 65,536 more objects. Without the cache each number is a
 * 2-byte slice of Node's buffer pool, short-lived garbage the young generation collects cheaply.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

interface WriteToStream {
  cacheNumbers: boolean;
}
interface Numbers {
  cache: Record<number, Buffer>;
}

/** Every mqtt-packet copy loaded so far. */
function loadedCopies(): Array<{ write: WriteToStream; numbers: Numbers | undefined }> {
  const out: Array<{ write: WriteToStream; numbers: Numbers | undefined }> = [];
  for (const [file, mod] of Object.entries(require.cache)) {
    const m = /^(.*[\\/]mqtt-packet)[\\/]writeToStream\.js$/.exec(file);
    if (!m || !mod) continue;
    const numbers = require.cache[join(m[1]!, 'numbers.js')]?.exports as Numbers | undefined;
    out.push({ write: mod.exports as WriteToStream, numbers });
  }
  return out;
}

/**
 * Turns the number cache off in every mqtt-packet copy loaded so far and empties any cache already built. Call it
 * once the modules that write MQTT are loaded, and again after a library that loads its copy lazily (the Azure SDK
 * loads MQTT.js on its first connect) has written. Returns how many copies it found.
 */
export function dropMqttNumberCaches(): number {
  const copies = loadedCopies();
  for (const c of copies) {
    c.write.cacheNumbers = false;
    if (c.numbers) for (const k of Object.keys(c.numbers.cache)) delete c.numbers.cache[Number(k)];
  }
  return copies.length;
}

/** Numbers held in the caches of the loaded mqtt-packet copies (0 once dropped). */
export function cachedMqttNumbers(): number {
  return loadedCopies().reduce((n, c) => n + (c.numbers ? Object.keys(c.numbers.cache).length : 0), 0);
}
