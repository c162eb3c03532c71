import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of dbferry's own package.json, found by walking up from this module. The code runs from
 * three places at different depths below it: src/ (tests, through tsx), dist/ (the compiled modules)
 * and dist/bin/ (the bundled CLI, one file), so a fixed relative path would fit only some of them.
 */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dbferry') return dir;
    if (dirname(dir) === dir) throw new Error(`dbferry's package.json was not found above ${start}`);
  }
}

export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
