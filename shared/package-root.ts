/**
 * The installed package's root folder (where package.json is). Files shipped beside the code (rule sets,
 * scenarios, the dashboard, child scripts) are found from here rather than from import.meta.url, because the
 * same code also runs bundled into dist/ (`npm run build`), where import.meta.url points elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fleetsync') return dir;
    if (dirname(dir) === dir) throw new Error(`fleetsync: no package.json of fleetsync above ${from}`);
  }
}

export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, from its root: packagePath('edge', 'alerts', 'default-rules.yaml'). */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
