process.on('exit', (c) => process.stderr.write('EXIT ' + c + ' ' + new Error().stack + '\n'));
import { createInterface } from 'node:readline';
import { DbfError } from '/work/main/src/domain/errors.js';
import { migrateStore } from '/work/main/src/store/migrate.js';
import { openStore } from '/work/main/src/store/open-store.js';
import { resolveStoreLocation } from '/work/main/src/store/store-url.js';

/**
 * Child process for store-concurrent-migrations.test.ts: `node --import tsx store-migrate-child.ts URL`.
 * Loads everything, prints `ready`, waits for a `go` line on stdin (the parent sends it to both
 * children at once, so tsx start-up time cannot serialise them), runs migrateStore on URL, prints one
 * JSON line `{"applied":[...],"startedAt":ms,"finishedAt":ms}` (or `{"error":{...}}`) and exits
 * 0 (or 1).
 */

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: store-migrate-child.ts STORE_URL\n');
  process.exit(2);
}

const store = openStore(resolveStoreLocation(url));
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');

let exitCode = 1;
try {
  let go = false;
  for await (const line of lines) {
    if (line.trim() === 'go') {
      go = true;
      break;
    }
  }
  lines.close();
  if (!go) throw new Error('stdin closed before "go"');
  const startedAt = Date.now();
  const { applied } = await migrateStore(store);
  const finishedAt = Date.now();
  process.stdout.write(`${JSON.stringify({ applied, startedAt, finishedAt })}\n`);
  exitCode = 0;
} catch (error) {
  const code = error instanceof DbfError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
} finally {
  await store.close();
}
process.exitCode = exitCode;
process.on('exit', (c) => process.stderr.write(`exit event ${c}\n`));
