#!/usr/bin/env node
// Bundles the TypeScript sources into plain ESM under dist/ (`npm run build`). The CLI prefers dist/ when it is
// newer than every source file: running without tsx's loader saves its thread (about 40 MB of RSS per process),
// which matters on a truck's gateway computer. Packages stay external: node_modules is used as installed.
//
//   node deploy/build-dist.mjs [--out DIR] [--quiet]
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds `entryPoints` (paths from the package root) into `outdir` as `<name>.mjs` plus shared chunks.
 * Dynamic imports become chunks of their own, so a command loads only what it uses.
 */
export async function buildDist({ outdir = join(ROOT, 'dist'), entryPoints = { main: 'cli/main.ts' } } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const entries = Object.fromEntries(Object.entries(entryPoints).map(([name, p]) => [name, join(ROOT, p)]));
  await build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
  const t0 = performance.now();
  const out = await buildDist(values.out ? { outdir: resolve(values.out) } : {});
  if (!values.quiet) process.stdout.write(`built ${out} in ${Math.round(performance.now() - t0)} ms\n`);
}
