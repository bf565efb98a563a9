/** Bundles `entryPoints` (name -> path from the package root) into `outdir`; see build-dist.mjs. */
export function buildDist(opts?: { outdir?: string; entryPoints?: Record<string, string> }): Promise<string>;
