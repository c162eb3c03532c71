import { createInterface } from 'node:readline';
import pino from 'pino';
import { openRuntime } from '../../src/composition.js';
import { loadSettings } from '../../src/config/settings.js';
import { toDbfError } from '../../src/domain/errors.js';

/**
 * One contender in a race to start the same config from separate processes:
 *
 *   node --import tsx test/helpers/start-config-process.ts STORE_URL HOME CONFIG
 *
 * opens the runtime (store connected and migrated), prints `ready`, and at each `go` line on stdin
 * starts a job for CONFIG at once and prints one JSON line: `{"started":ID}` or `{"refused":CODE}`.
 * Ends when stdin closes. Every contender is ready before any is told to go, so the starts truly race.
 */
async function main(): Promise<void> {
  const [store, home, config] = process.argv.slice(2);
  if (!store || !home || !config) throw new Error('usage: start-config-process.ts STORE_URL HOME CONFIG');
  const settings = loadSettings({ env: {}, cwd: home, flags: { home, store } });
  const runtime = await openRuntime(settings, pino({ level: 'silent' }));
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'go') continue;
    try {
      const job = await runtime.jobs.startConfig(config, 'cli');
      process.stdout.write(`${JSON.stringify({ started: job.id })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ refused: toDbfError(error).code })}\n`);
    }
  }
  await runtime.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`contender failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
