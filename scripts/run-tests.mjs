#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: src and test) with node's test runner
// through tsx. Node 20's runner does not expand globs itself, so the files are listed here.
// The runner prints its summary (# tests, # pass, # fail) at the end, which CI counts.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : collect(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = (roots.length > 0 ? roots : ['src', 'test']).flatMap((root) => (statSync(root).isDirectory() ? collect(root) : [root])).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.DBFERRY_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...passThrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
