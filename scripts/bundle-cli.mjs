// Bundles the CLI into dist/bin/ (the package's bin): one file for every command but `serve`, whose
// HTTP stack is a chunk loaded only by it.
//
// Why: an ESM program of many small files spends most of its start resolving and opening them
// (kysely alone is ~290 files). Measured here, `dbferry sync` with nothing to copy took 0.45 s to
// load its modules from dist/ and 0.21 s from the bundle, out of a 0.8 s run.
//
// Left out of the bundle: better-sqlite3 (a native addon), pino and pino-pretty (pino starts its
// transports in worker threads by file path), the fastify stack (only `serve` loads it; some of its
// plugins read their own files next to them), and pg-native (pg's optional native binding).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bin/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { dbferry: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'pg-native', 'fastify', '@fastify/*'],
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: { js: "import { createRequire as dbferryCreateRequire } from 'node:module'; const require = dbferryCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
